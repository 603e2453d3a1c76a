using System.Buffers;
using System.Text;
using AgentOperator.Contracts;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// Ships the pod's audit log to the collector. The log file on the audit volume is the write-ahead buffer: the shipper
/// asks the collector how far the pod's chain is stored, then sends what follows in sealed batches, each acknowledged
/// only once the collector has fsynced it. It wakes on every write, so reads and refusals leave the pod within one
/// round trip (well under a second), and reports the chain head at least every <see cref="AuditCollectorApi.HeadInterval"/>.
/// A gateway that restarts (after SIGKILL, OOM) starts again from what the collector acknowledged, so nothing
/// buffered is lost and nothing is stored twice. While the collector cannot be reached, <see cref="Problem"/> says so
/// and writers waiting in <see cref="WaitAcknowledgedAsync"/> are refused after <see cref="AcknowledgementTimeout"/>.
/// </summary>
public sealed partial class AuditShipper : IAsyncDisposable
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);
    private readonly AuditLog _log;
    private readonly AuditCollectorClient _client;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _waitersLock = new();
    private readonly List<(long Sequence, TaskCompletionSource Acknowledged)> _waiters = [];
    private long _acknowledged = -1;
    private DateTimeOffset? _unshippedSince;
    private Task? _loop;

    public AuditShipper(AuditLog log, AuditCollectorClient client, TimeProvider timeProvider, ILogger<AuditShipper> logger)
    {
        _log = log;
        _client = client;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>How long a write waits for its record's acknowledgement before it is refused. Default 5 s.</summary>
    public TimeSpan AcknowledgementTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long stopping waits to ship what remains. Default <see cref="GatewayShutdown.DrainTimeout"/> (the rest ships from the buffer on the next start).</summary>
    public TimeSpan DrainTimeout { get; init; } = GatewayShutdown.DrainTimeout;

    /// <summary>
    /// Why records cannot be made durable now, naming the store; null while the collector acknowledges (and before the
    /// first attempt: a write at start executes and then waits for its acknowledgement like any other).
    /// </summary>
    public string? Problem { get; private set; }

    /// <summary>The last sequence the collector acknowledged; -1 before it answered.</summary>
    public long AcknowledgedThrough => Interlocked.Read(ref _acknowledged);

    /// <summary>Records written in the pod and not yet acknowledged.</summary>
    public long Unshipped => Math.Max(0, _log.WrittenThrough - Math.Max(0, AcknowledgedThrough));

    /// <summary>Age of the oldest record not yet acknowledged; zero when none.</summary>
    public TimeSpan OldestUnshippedAge => _unshippedSince is { } since && Unshipped > 0 ? _timeProvider.GetUtcNow() - since : TimeSpan.Zero;

    /// <summary>Attaches to the log and starts shipping.</summary>
    public void Start()
    {
        _log.Shipper = this;
        _log.Written = Wake;
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Completes when the collector has acknowledged <paramref name="sequence"/>; see the type's remarks.</summary>
    public async Task WaitAcknowledgedAsync(long sequence, CancellationToken cancellationToken)
    {
        if (!await ShipThroughAsync(sequence, AcknowledgementTimeout, cancellationToken))
        {
            throw new AuditStoreUnavailableException(
                $"the audit store at {_client.Address} did not acknowledge the record within {AcknowledgementTimeout.TotalSeconds:0.#} s ({Problem ?? "no answer yet"}); it stays in the pod's buffer and is shipped when the store answers");
        }
    }

    /// <summary>
    /// Ships now and completes with true once the collector has acknowledged <paramref name="sequence"/>, or with false
    /// when <paramref name="timeout"/> passed first (shipping goes on, retrying while the store cannot be reached).
    /// </summary>
    public async Task<bool> ShipThroughAsync(long sequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (AcknowledgedThrough >= sequence)
        {
            return true;
        }

        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitersLock)
        {
            if (AcknowledgedThrough >= sequence)
            {
                return true;
            }

            _waiters.Add((sequence, acknowledged));
        }

        Wake();
        try
        {
            await acknowledged.Task.WaitAsync(timeout, _timeProvider, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake or about to be: one pending wake-up is enough.
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var backoff = MinBackoff;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await ShipFromAcknowledgedAsync(stopping);
            }
            catch (AuditStoreUnavailableException exception)
            {
                if (Problem != exception.Message)
                {
                    LogStoreUnavailable(_logger, exception.Message);
                }

                Problem = exception.Message;
                try
                {
                    await Task.Delay(backoff, _timeProvider, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
                continue;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            backoff = MinBackoff;
        }
    }

    /// <summary>One connection's worth of shipping: learn how far the store is, then follow the file until something fails.</summary>
    private async Task ShipFromAcknowledgedAsync(CancellationToken stopping)
    {
        var acknowledgement = await _client.DurableAsync(stopping);
        Acknowledge(acknowledgement.DurableThrough);
        Problem = null;
        await using var file = new FileStream(_log.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        var reader = new LineReader(file);
        var next = 1L;
        var pending = new List<string>();
        var lastHead = DateTimeOffset.MinValue;
        while (true)
        {
            // Skip what the store holds; read what follows, up to a batch.
            while (pending.Count < AuditCollectorApi.MaxBatchRecords && reader.TryReadLine(out var line))
            {
                if (next++ > AcknowledgedThrough)
                {
                    pending.Add(line);
                }
            }

            if (pending.Count > 0)
            {
                _unshippedSince ??= _timeProvider.GetUtcNow();
                var first = next - pending.Count;
                var answer = await _client.ShipAsync(new AuditBatch(first, pending), stopping);
                Acknowledge(answer.DurableThrough);
                Problem = null;
                pending.RemoveRange(0, (int)Math.Clamp(answer.DurableThrough - first + 1, 0, pending.Count));
                _unshippedSince = pending.Count > 0 || _log.WrittenThrough > AcknowledgedThrough ? _unshippedSince : null;
                continue;
            }

            var now = _timeProvider.GetUtcNow();
            if (now - lastHead >= AuditCollectorApi.HeadInterval)
            {
                await _client.ReportHeadAsync(new AuditHead(_log.WrittenThrough, _log.HeadSha256, now), stopping);
                Problem = null;
                lastHead = now;
            }

            if (stopping.IsCancellationRequested)
            {
                return;
            }

            // Woken by a write; otherwise look again in time for the next head report.
            await _wake.WaitAsync(TimeSpan.FromSeconds(1), stopping);
        }
    }

    private void Acknowledge(long durableThrough)
    {
        if (durableThrough <= Interlocked.Read(ref _acknowledged))
        {
            return;
        }

        lock (_waitersLock)
        {
            Interlocked.Exchange(ref _acknowledged, durableThrough);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Sequence <= durableThrough)
                {
                    _waiters[i].Acknowledged.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>
    /// Stops after shipping what was written, for at most <see cref="DrainTimeout"/>, retrying while the store cannot be
    /// reached (it may be restarting too); what is not acknowledged by then stays in the buffer for the next start.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_loop is not null)
        {
            await ShipThroughAsync(_log.WrittenThrough, DrainTimeout, CancellationToken.None);
        }

        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stopping.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit shipping paused: {Problem}")]
    private static partial void LogStoreUnavailable(ILogger logger, string problem);

    /// <summary>Reads whole lines from a file that grows; a partial last line waits for its newline.</summary>
    private sealed class LineReader(FileStream file)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly ArrayBufferWriter<byte> _partial = new(4096);
        private int _start;
        private int _end;

        public bool TryReadLine(out string line)
        {
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    _partial.Write(_buffer.AsSpan(_start, newline - _start));
                    _start = newline + 1;
                    line = Encoding.UTF8.GetString(_partial.WrittenSpan);
                    _partial.ResetWrittenCount();
                    if (line.Length > 0)
                    {
                        return true;
                    }

                    continue;
                }

                _partial.Write(_buffer.AsSpan(_start, _end - _start));
                _start = _end = 0;
                var read = file.Read(_buffer, 0, _buffer.Length);
                if (read == 0)
                {
                    line = string.Empty;
                    return false;
                }

                _end = read;
            }
        }
    }
}
