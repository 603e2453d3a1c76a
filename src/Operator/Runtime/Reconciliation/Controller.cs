using System.Diagnostics;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Queue;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Reconciliation;

/// <summary>
/// Wires informers, a work queue and a reconciler: informer events become keys (the primary kind through a
/// predicate, other kinds through a mapping such as "the controlling owner"), and workers feed keys to the
/// reconciler and act on its <see cref="ReconcileResult"/>. Each reconcile is a span on
/// <see cref="ReconcileTracing.SourceName"/> and is counted and timed in <see cref="ControllerMetrics"/>.
/// </summary>
internal sealed partial class Controller<T> : IController, IDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Informer<T> _primary;
    private readonly IReconciler<T> _reconciler;
    private readonly ControllerOptions _options;
    private readonly ControllerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<IInformer> _sources = [];
    private readonly List<IDisposable> _subscriptions = [];

    public Controller(
        string name,
        Informer<T> primary,
        IEventPredicate<T> predicate,
        IReconciler<T> reconciler,
        ControllerOptions options,
        ControllerMetrics metrics,
        TimeProvider time,
        ILogger<Controller<T>> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxConcurrentReconciles);
        Name = name;
        _primary = primary;
        _reconciler = reconciler;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        Queue = new WorkQueue<ObjectKey>(
            new MaxOfRateLimiter<ObjectKey>(
                new PerKeyExponentialBackoff<ObjectKey>(options.BackoffBase, options.BackoffMax),
                new TokenBucketRateLimiter<ObjectKey>(options.RetryRatePerSecond, options.RetryBurst, time)),
            time,
            metrics.ForQueue(name));
        Watch(primary, change => predicate.ShouldEnqueue(change) ? [ObjectKey.Of(change.Object)] : []);
    }

    public string Name { get; }

    public ResourceKind Kind => _primary.Kind;

    public WorkQueue<ObjectKey> Queue { get; }

    public bool HasSynced => _sources.All(s => s.HasSynced);

    /// <summary>Enqueues the keys <paramref name="toKeys"/> maps each change of <paramref name="informer"/> to.</summary>
    public void Watch<TSource>(Informer<TSource> informer, Func<InformerEvent<TSource>, IEnumerable<ObjectKey>> toKeys)
        where TSource : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(informer);
        ArgumentNullException.ThrowIfNull(toKeys);
        _sources.Add(informer);
        _subscriptions.Add(informer.AddHandler(change =>
        {
            foreach (var key in toKeys(change))
            {
                Queue.Add(key);
            }
        }));
    }

    /// <summary>Enqueues the controlling owner (of this controller's kind) of every changed <typeparamref name="TChild"/>.</summary>
    public void WatchOwned<TChild>(Informer<TChild> informer)
        where TChild : class, IKubernetesObject<V1ObjectMeta> =>
        Watch(informer, change => ControllerOwnerKeys.Of(Kind, change));

    public void EnqueueAll()
    {
        foreach (var value in _primary.Cache.List())
        {
            Queue.Add(ObjectKey.Of(value));
        }
    }

    public async Task RunWorkersAsync(CancellationToken stopTaking, CancellationToken abort)
    {
        LogWorkersStarting(Name, _options.MaxConcurrentReconciles);
        var workers = Enumerable.Range(0, _options.MaxConcurrentReconciles)
            .Select(_ => Task.Run(() => WorkAsync(stopTaking, abort), CancellationToken.None));
        await Task.WhenAll(workers);
        LogWorkersStopped(Name);
    }

    public void ShutDown() => Queue.ShutDown();

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        Queue.Dispose();
    }

    private async Task WorkAsync(CancellationToken stopTaking, CancellationToken abort)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stopTaking, abort);
        while (true)
        {
            ObjectKey key;
            try
            {
                (var ok, key) = await Queue.TryDequeueAsync(either.Token);
                if (!ok)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (either.IsCancellationRequested)
            {
                return;
            }

            _metrics.WorkerStarted(Name);
            try
            {
                await ReconcileAsync(key, abort);
            }
            finally
            {
                _metrics.WorkerFinished(Name);
                Queue.Done(key);
            }
        }
    }

    private async Task ReconcileAsync(ObjectKey key, CancellationToken abort)
    {
        using var activity = ReconcileTracing.Source.StartActivity($"reconcile {Name}");
        activity?.SetTag("controller", Name);
        activity?.SetTag("k8s.namespace.name", key.Namespace);
        activity?.SetTag("k8s.object.name", key.Name);
        var started = _time.GetTimestamp();
        ReconcileResult result;
        try
        {
            result = await _reconciler.ReconcileAsync(key, abort);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Leadership lost or shutdown: not a failure. Keep the key so the next term reconciles it.
            Queue.Add(key);
            activity?.SetTag("result", "cancelled");
            LogCancelled(Name, key);
            return;
        }
#pragma warning disable CA1031 // A reconciler's exception is a failed reconcile, retried with backoff.
        catch (Exception e)
#pragma warning restore CA1031
        {
            result = ReconcileResult.Failure(e.Message, e);
        }

        var elapsed = _time.GetElapsedTime(started);
        var label = ControllerMetrics.ResultLabel(result.Outcome);
        activity?.SetTag("result", label);
        _metrics.Reconciled(Name, result.Outcome, elapsed);
        switch (result.Outcome)
        {
            case ReconcileOutcome.Success:
                Queue.Forget(key);
                LogReconciled(Name, key, elapsed.TotalMilliseconds);
                break;
            case ReconcileOutcome.RequeueAfter:
                Queue.Forget(key);
                Queue.AddAfter(key, result.Delay);
                LogRequeued(Name, key, result.Delay, result.Reason);
                break;
            case ReconcileOutcome.Failure:
                activity?.SetStatus(ActivityStatusCode.Error, result.Reason);
                if (result.Error is not null)
                {
                    activity?.AddException(result.Error);
                }

                LogFailed(result.Error, Name, key, Queue.NumRequeues(key) + 1, result.Reason);
                Queue.AddRateLimited(key);
                break;
            case ReconcileOutcome.Terminal:
                activity?.SetStatus(ActivityStatusCode.Error, result.Reason);
                Queue.Forget(key);
                LogTerminal(result.Error, Name, key, result.Reason);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Controller {Controller}: starting {Workers} workers")]
    private partial void LogWorkersStarting(string controller, int workers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Controller {Controller}: workers stopped")]
    private partial void LogWorkersStopped(string controller);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Controller {Controller}: reconciled {Key} in {Milliseconds:F1} ms")]
    private partial void LogReconciled(string controller, ObjectKey key, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Controller {Controller}: {Key} looks again in {Delay} ({Reason})")]
    private partial void LogRequeued(string controller, ObjectKey key, TimeSpan delay, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Controller {Controller}: reconcile of {Key} failed (attempt {Attempt}), retrying with backoff: {Reason}")]
    private partial void LogFailed(Exception? error, string controller, ObjectKey key, int attempt, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Controller {Controller}: reconcile of {Key} failed for good, not retrying until it changes: {Reason}")]
    private partial void LogTerminal(Exception? error, string controller, ObjectKey key, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Controller {Controller}: reconcile of {Key} cancelled; it stays queued")]
    private partial void LogCancelled(string controller, ObjectKey key);
}
