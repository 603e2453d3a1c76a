using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using AgentOperator.Contracts;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// Append-only, hash-chained audit log of JSON lines with a single writer.
/// <para>
/// Any number of request threads call <see cref="Append"/>; records go through one unbounded queue to
/// one writer task, which alone assigns sequence numbers and <c>prev</c> hashes, so concurrent writers
/// can never interleave or fork the chain. The file is opened for append with no write sharing: one
/// gateway process owns one audit file.
/// </para>
/// <para>
/// Durability (fsync policy): the writer drains everything queued and writes it to the OS after every
/// batch, so a crash of the gateway process loses only records still in the queue. It calls <c>fsync</c>
/// at most every <see cref="FsyncInterval"/> (default 100 ms, and always within that time after the last
/// write) — group commit — so a power loss can lose at most that window. A caller that needs a record on
/// disk before it answers awaits <see cref="AppendDurableAsync"/>, which forces the fsync of its batch.
/// Restarting continues the chain from the file's last line.
/// </para>
/// </summary>
public sealed partial class AuditLog : IAsyncDisposable
{
    private readonly Channel<PendingRecord> _queue = Channel.CreateUnbounded<PendingRecord>(new UnboundedChannelOptions { SingleReader = true });
    private readonly FileStream _file;
    private readonly Task _writer;
    private readonly ILogger _logger;
    private readonly AuditSealer _sealer = new();
    private readonly Timer _fsyncTimer;
    private long _sequence;
    private string _previousSha256;

    private AuditLog(FileStream file, long sequence, string previousSha256, ILogger logger)
    {
        _file = file;
        _sequence = sequence;
        _previousSha256 = previousSha256;
        _logger = logger;
        // One timer for the whole log, re-armed without allocating, rather than a delay task per batch.
        _fsyncTimer = new Timer(static log => ((AuditLog)log!)._queue.Writer.TryWrite(FsyncDue), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Longest time written records stay without an fsync.</summary>
    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Path of the log file.</summary>
    public string Path => _file.Name;

    /// <summary>Opens (or creates) the log at <paramref name="path"/>, continuing its chain.</summary>
    public static async Task<AuditLog> OpenAsync(string path, ILogger logger, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var (sequence, previous) = await ReadTailAsync(path, cancellationToken);
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024, FileOptions.None);
        return new AuditLog(file, sequence, previous, logger);
    }

    /// <summary>Queues a record; it is written in order by the single writer.</summary>
    public void Append(AuditRecord record)
    {
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(new PendingRecord(record, null)), this);
    }

    /// <summary>Queues a record and completes once it has been written and fsynced.</summary>
    public Task AppendDurableAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(new PendingRecord(record, written)), this);

        return written.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes once everything queued so far is on disk.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) =>
        AppendDurableAsync(new AuditRecord { Time = DateTimeOffset.MinValue, Kind = FlushMarker }, cancellationToken);

    private const string FlushMarker = "\0flush";

    /// <summary>Queued by the fsync timer: the last write has waited <see cref="FsyncInterval"/> for its fsync.</summary>
    private static readonly PendingRecord FsyncDue = new(new AuditRecord { Time = DateTimeOffset.MinValue, Kind = "\0fsync" }, null);

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<TaskCompletionSource>();
        var unsynced = false;
        var lastSync = Stopwatch.GetTimestamp();
        while (await reader.WaitToReadAsync())
        {
            try
            {
                var fsyncDue = false;
                while (reader.TryRead(out var pending))
                {
                    if (ReferenceEquals(pending, FsyncDue))
                    {
                        fsyncDue = true;
                        continue;
                    }

                    unsynced = true;
                    if (pending.Record.Kind != FlushMarker)
                    {
                        _file.Write(_sealer.Seal(pending.Record, ++_sequence, _previousSha256, out var sha).Span);
                        _previousSha256 = sha;
                    }

                    if (pending.Written is not null)
                    {
                        batch.Add(pending.Written);
                    }
                }

                _file.Flush();
                if (unsynced && (fsyncDue || batch.Count > 0 || Stopwatch.GetElapsedTime(lastSync) >= FsyncInterval))
                {
                    Sync(ref unsynced, ref lastSync, batch);
                }
                else if (unsynced)
                {
                    // Due one interval after this write, unless more writes come first (the timer queues FsyncDue).
                    _fsyncTimer.Change(FsyncInterval, Timeout.InfiniteTimeSpan);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(_logger, exception, _file.Name);
                foreach (var written in batch)
                {
                    written.TrySetException(exception);
                }

                batch.Clear();
            }
        }

        if (unsynced)
        {
            Sync(ref unsynced, ref lastSync, batch);
        }
    }

    private void Sync(ref bool unsynced, ref long lastSync, List<TaskCompletionSource> batch)
    {
        _fsyncTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _file.Flush(flushToDisk: true);
        unsynced = false;
        lastSync = Stopwatch.GetTimestamp();
        foreach (var written in batch)
        {
            written.TrySetResult();
        }

        batch.Clear();
    }

    private static async Task<(long Sequence, string PreviousSha256)> ReadTailAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return (0, AuditChain.GenesisSha256);
        }

        string? last = null;
        await foreach (var line in File.ReadLinesAsync(path, cancellationToken))
        {
            if (line.Length > 0)
            {
                last = line;
            }
        }

        if (last is null)
        {
            return (0, AuditChain.GenesisSha256);
        }

        if (!AuditChain.TryOpen(last, out var body, out var sha))
        {
            throw new InvalidDataException($"the last line of audit log {path} is not a sealed record; run verify before appending");
        }

        using var document = JsonDocument.Parse(body);
        var sequence = document.RootElement.GetProperty("sequence").GetInt64();
        return (sequence, sha);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        await _fsyncTimer.DisposeAsync();
        await _file.DisposeAsync();
        _sealer.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the audit log {Path} failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string path);

    private sealed record PendingRecord(AuditRecord Record, TaskCompletionSource? Written);
}
