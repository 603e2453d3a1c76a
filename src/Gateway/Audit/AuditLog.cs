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
    private long _writtenThrough;
    private string _headSha256;

    private AuditLog(FileStream file, long sequence, string previousSha256, ILogger logger)
    {
        _file = file;
        _sequence = sequence;
        _previousSha256 = previousSha256;
        _writtenThrough = sequence;
        _headSha256 = previousSha256;
        _logger = logger;
        // One timer for the whole log, re-armed without allocating, rather than a delay task per batch.
        _fsyncTimer = new Timer(static log => ((AuditLog)log!)._queue.Writer.TryWrite(FsyncDue), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Longest time written records stay without an fsync.</summary>
    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Path of the log file.</summary>
    public string Path => _file.Name;

    /// <summary>The last record written to the file (handed to the OS; fsynced within <see cref="FsyncInterval"/>).</summary>
    public long WrittenThrough => Volatile.Read(ref _writtenThrough);

    /// <summary>Hash of the record at <see cref="WrittenThrough"/>.</summary>
    public string HeadSha256 => Volatile.Read(ref _headSha256);

    /// <summary>
    /// Where records go beyond the pod, when a collector is configured: writes wait for its acknowledgement
    /// (<see cref="AppendAcknowledgedAsync"/>) and are refused while it cannot give one (<see cref="StoreProblem"/>).
    /// </summary>
    public AuditShipper? Shipper { get; internal set; }

    /// <summary>Why the audit store cannot make records durable now, naming it; null when it can (or when there is no collector).</summary>
    public string? StoreProblem => Shipper?.Problem;

    /// <summary>Called after each batch of records is written to the file, so the shipper reads them at once.</summary>
    internal Action? Written { get; set; }

    /// <summary>Opens (or creates) the log at <paramref name="path"/>, continuing its chain.</summary>
    public static async Task<AuditLog> OpenAsync(string path, ILogger logger, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        CutPartialLastLine(path);
        var (sequence, previous) = await ReadTailAsync(path, cancellationToken);
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024, FileOptions.None);
        return new AuditLog(file, sequence, previous, logger);
    }

    /// <summary>Queues a record; it is written in order by the single writer.</summary>
    public void Append(AuditRecord record)
    {
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(new PendingRecord(record, null)), this);
    }

    /// <summary>Queues a record and completes, with its sequence, once it has been written and fsynced in the pod.</summary>
    public Task<long> AppendDurableAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        var written = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(new PendingRecord(record, written)), this);

        return written.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Queues a record and completes once it is durable where the audit lives: acknowledged by the collector (fsynced
    /// in its store) when one is configured, else fsynced in the pod. Throws <see cref="AuditStoreUnavailableException"/>,
    /// naming the store, when the collector does not acknowledge it in time; the record stays in the pod's buffer and
    /// is shipped when the store is back.
    /// </summary>
    public async Task AppendAcknowledgedAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        var sequence = await AppendDurableAsync(record, cancellationToken);
        if (Shipper is { } shipper)
        {
            await shipper.WaitAcknowledgedAsync(sequence, cancellationToken);
        }
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
        var batch = new List<(TaskCompletionSource<long> Written, long Sequence)>();
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
                        batch.Add((pending.Written, _sequence));
                    }
                }

                _file.Flush();
                Volatile.Write(ref _headSha256, _previousSha256);
                Volatile.Write(ref _writtenThrough, _sequence);
                Written?.Invoke();
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
                foreach (var (written, _) in batch)
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

    private void Sync(ref bool unsynced, ref long lastSync, List<(TaskCompletionSource<long> Written, long Sequence)> batch)
    {
        _fsyncTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _file.Flush(flushToDisk: true);
        unsynced = false;
        lastSync = Stopwatch.GetTimestamp();
        foreach (var (written, sequence) in batch)
        {
            written.TrySetResult(sequence);
        }

        batch.Clear();
    }

    /// <summary>
    /// A process killed in the middle of a write (SIGKILL, OOM) can leave a last line without its newline. No caller was
    /// told it was written (writes complete after the batch's flush), so it is cut off and the chain continues from the last whole line.
    /// </summary>
    private static void CutPartialLastLine(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        var length = file.Length;
        var tail = new byte[(int)Math.Min(length, 64 * 1024)];
        while (length > 0)
        {
            var start = Math.Max(0, length - tail.Length);
            file.Position = start;
            file.ReadExactly(tail, 0, (int)(length - start));
            var newline = Array.LastIndexOf(tail, (byte)'\n', (int)(length - start) - 1);
            if (newline >= 0)
            {
                length = start + newline + 1;
                break;
            }

            length = start;
        }

        if (length < file.Length)
        {
            file.SetLength(length);
            file.Flush(flushToDisk: true);
        }
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

    private sealed record PendingRecord(AuditRecord Record, TaskCompletionSource<long>? Written);
}
