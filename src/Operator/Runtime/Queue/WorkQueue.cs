namespace AgentOperator.Operator.Runtime.Queue;

/// <summary>
/// The controller work queue, with client-go's semantics:
/// <list type="bullet">
/// <item>a key added several times before a worker takes it is processed once (dedup);</item>
/// <item>a key is never handed to two workers at once: a key added while it is processing is handed out again
/// only after <see cref="Done"/>;</item>
/// <item><see cref="AddAfter"/> delays a key; when a key is delayed twice, the earliest time wins; one timer
/// (from the <see cref="TimeProvider"/>) serves all delayed keys;</item>
/// <item><see cref="AddRateLimited"/> delays a key as its <see cref="IRateLimiter{TKey}"/> says (per-key
/// backoff, overall bucket); <see cref="Forget"/> resets it.</item>
/// </list>
/// After <see cref="ShutDown"/> no key is added or handed out; <see cref="DrainAsync"/> waits for the keys
/// being processed.
/// </summary>
internal sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly Queue<TKey> _ready = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, DateTimeOffset> _delayedUntil = [];
    private readonly PriorityQueue<TKey, DateTimeOffset> _delayed = new();
    private readonly SemaphoreSlim _readyCount = new(0);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly IRateLimiter<TKey> _rateLimiter;
    private readonly TimeProvider _time;
    private readonly IWorkQueueMetrics _metrics;
    private readonly ITimer _timer;
    private TaskCompletionSource? _drained;
    private DateTimeOffset? _timerDue;

    public WorkQueue(IRateLimiter<TKey> rateLimiter, TimeProvider time, IWorkQueueMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(rateLimiter);
        ArgumentNullException.ThrowIfNull(time);
        _rateLimiter = rateLimiter;
        _time = time;
        _metrics = metrics ?? IWorkQueueMetrics.None;
        _timer = time.CreateTimer(_ => PromoteDueKeys(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Keys ready to be handed to a worker (not the ones delayed or being processed).</summary>
    public int Depth
    {
        get
        {
            lock (_lock)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>Keys waiting for their delay to pass.</summary>
    public int DelayedCount
    {
        get
        {
            lock (_lock)
            {
                return _delayedUntil.Count;
            }
        }
    }

    /// <summary>Keys handed to a worker and not yet <see cref="Done"/>.</summary>
    public int ProcessingCount
    {
        get
        {
            lock (_lock)
            {
                return _processing.Count;
            }
        }
    }

    public bool IsShutDown => _shutdown.IsCancellationRequested;

    /// <summary>Adds <paramref name="key"/> now; a no-op when it is already waiting to be handed out.</summary>
    public void Add(TKey key)
    {
        lock (_lock)
        {
            AddLocked(key);
        }
    }

    /// <summary>Adds <paramref name="key"/> after <paramref name="delay"/>; an earlier pending time for the same key wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_lock)
        {
            if (IsShutDown)
            {
                return;
            }

            var due = _time.GetUtcNow() + delay;
            if (_delayedUntil.TryGetValue(key, out var existing) && existing <= due)
            {
                return;
            }

            // The superseded heap entry stays and is skipped when it surfaces (its time no longer matches).
            _delayedUntil[key] = due;
            _delayed.Enqueue(key, due);
            RearmTimerLocked();
        }
    }

    /// <summary>Adds <paramref name="key"/> after the delay its rate limiter assigns to one more retry.</summary>
    public void AddRateLimited(TKey key)
    {
        _metrics.Retried();
        AddAfter(key, _rateLimiter.When(key));
    }

    /// <summary>Clears the retry history of <paramref name="key"/>; call it when the key succeeded.</summary>
    public void Forget(TKey key) => _rateLimiter.Forget(key);

    /// <summary>How many times <paramref name="key"/> was retried since it last succeeded.</summary>
    public int NumRequeues(TKey key) => _rateLimiter.NumRequeues(key);

    /// <summary>
    /// Waits for a key and marks it processing. Returns false once the queue is shut down.
    /// The caller must call <see cref="Done"/> with the key when it has finished with it.
    /// </summary>
    public async Task<(bool Ok, TKey Key)> TryDequeueAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        try
        {
            await _readyCount.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (IsShutDown && !cancellationToken.IsCancellationRequested)
        {
            return (false, default!);
        }

        lock (_lock)
        {
            if (IsShutDown)
            {
                // The semaphore slot we took stays consumed; nobody dequeues after shutdown.
                return (false, default!);
            }

            var key = _ready.Dequeue();
            _dirty.Remove(key);
            _processing.Add(key);
            _metrics.DepthChanged(_ready.Count);
            return (true, key);
        }
    }

    /// <summary>Marks <paramref name="key"/> finished; if it was added while processing, it is handed out again.</summary>
    public void Done(TKey key)
    {
        lock (_lock)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key) && !IsShutDown)
            {
                EnqueueReadyLocked(key);
            }

            if (_processing.Count == 0)
            {
                _drained?.TrySetResult();
            }
        }
    }

    /// <summary>Stops the queue: adds are ignored, waiting and future <see cref="TryDequeueAsync"/> calls return false.</summary>
    public void ShutDown()
    {
        lock (_lock)
        {
            if (IsShutDown)
            {
                return;
            }

            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _shutdown.Cancel();
        }
    }

    /// <summary>Waits until no key is processing (every dequeued key is <see cref="Done"/>).</summary>
    public Task DrainAsync(CancellationToken cancellationToken)
    {
        Task drained;
        lock (_lock)
        {
            if (_processing.Count == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }

        return drained.WaitAsync(cancellationToken);
    }

    /// <summary><see cref="ShutDown"/>, then <see cref="DrainAsync"/>.</summary>
    public Task ShutDownAndDrainAsync(CancellationToken cancellationToken)
    {
        ShutDown();
        return DrainAsync(cancellationToken);
    }

    public void Dispose()
    {
        ShutDown();
        _timer.Dispose();
        _readyCount.Dispose();
        _shutdown.Dispose();
    }

    private void AddLocked(TKey key)
    {
        if (IsShutDown || !_dirty.Add(key))
        {
            return;
        }

        if (!_processing.Contains(key))
        {
            EnqueueReadyLocked(key);
        }
    }

    private void EnqueueReadyLocked(TKey key)
    {
        if (_drained is { Task.IsCompleted: true })
        {
            _drained = null;
        }

        _ready.Enqueue(key);
        _metrics.DepthChanged(_ready.Count);
        _readyCount.Release();
    }

    private void PromoteDueKeys()
    {
        lock (_lock)
        {
            _timerDue = null;
            var now = _time.GetUtcNow();
            while (_delayed.TryPeek(out var key, out var due) && due <= now)
            {
                _delayed.Dequeue();
                if (_delayedUntil.TryGetValue(key, out var current) && current == due)
                {
                    _delayedUntil.Remove(key);
                    AddLocked(key);
                }
            }

            RearmTimerLocked();
        }
    }

    private void RearmTimerLocked()
    {
        // Drop superseded entries at the head so the timer always targets a live one.
        while (_delayed.TryPeek(out var key, out var due) &&
               (!_delayedUntil.TryGetValue(key, out var current) || current != due))
        {
            _delayed.Dequeue();
        }

        if (IsShutDown || !_delayed.TryPeek(out _, out var next))
        {
            return;
        }

        if (_timerDue == next)
        {
            return;
        }

        _timerDue = next;
        var wait = next - _time.GetUtcNow();
        _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
