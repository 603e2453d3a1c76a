using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentOperator.AuditCollector.Identity;
using AgentOperator.Contracts;

namespace AgentOperator.AuditCollector.Store;

/// <summary>
/// One chain in the store: its directory of segment files, checkpoints and expiries, and its head. Appends are
/// serialized by a lock; a batch is checked against the chain (sealed, consecutive, linked to the head), written,
/// fsynced and only then acknowledged. Records already stored are acknowledged again when the same bytes come back
/// (a retry) and refused when they differ (the store is append-only). A failed write is cut back to the last whole
/// record, so a full volume refuses but never corrupts.
/// </summary>
public sealed class ChainWriter : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly long _segmentBytes;
    private readonly List<string> _segmentShas = [];
    private FileStream? _segment;
    private long _segmentFirst;
    private string _checkpointPrev = AuditCheckpoint.Genesis;
    private long _checkpointedSequence = -1;
    private long _checkpointedReport = -1;

    private ChainWriter(GatewayIdentity identity, string directory, long segmentBytes)
    {
        Identity = identity;
        Directory = directory;
        _segmentBytes = segmentBytes;
    }

    public GatewayIdentity Identity { get; }

    public string Directory { get; }

    /// <summary>Records through this sequence are fsynced.</summary>
    public long DurableThrough { get; private set; }

    /// <summary>Hash of the record at <see cref="DurableThrough"/>.</summary>
    public string HeadSha256 { get; private set; } = AuditChain.GenesisSha256;

    /// <summary>Last head the gateway reported; -1 before any.</summary>
    public long ReportedSequence { get; private set; } = -1;

    /// <summary>When the gateway last reported its head.</summary>
    public DateTimeOffset? ReportedAt { get; private set; }

    /// <summary>The latest signed checkpoint of the chain (its anchored head); null before the first.</summary>
    public AuditCheckpoint? LastCheckpoint { get; private set; }

    /// <summary>Records removed by retention: the chain starts after them.</summary>
    public long ExpiredThrough { get; private set; }

    public AuditAcknowledgement Acknowledgement => new(Identity.Chain, DurableThrough, HeadSha256);

    /// <summary>Opens the chain at <paramref name="directory"/>, creating it, and recovers its head from its files.</summary>
    public static async Task<ChainWriter> OpenAsync(GatewayIdentity identity, string directory, long segmentBytes, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(directory);
        var identityFile = Path.Combine(directory, AuditCollectorApi.Files.Identity);
        if (!File.Exists(identityFile))
        {
            // Written whole or not at all (a full volume must not leave a chain.json that stops the next start).
            var partial = identityFile + ".partial";
            try
            {
                await File.WriteAllTextAsync(partial, JsonSerializer.Serialize(identity, AuditChain.SerializerOptions), cancellationToken);
                File.Move(partial, identityFile);
            }
            catch (IOException)
            {
                File.Delete(partial);
                throw;
            }
        }

        var writer = new ChainWriter(identity, directory, segmentBytes);
        await writer.RecoverAsync(cancellationToken);
        return writer;
    }

    /// <summary>Segment files in sequence order.</summary>
    public IReadOnlyList<string> Segments() =>
    [
        .. System.IO.Directory.EnumerateFiles(Directory, AuditCollectorApi.Files.SegmentPrefix + "*" + AuditCollectorApi.Files.SegmentSuffix)
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>First sequence of a segment file, from its name.</summary>
    public static long FirstSequenceOf(string segment)
    {
        var name = Path.GetFileName(segment);
        return long.Parse(name.AsSpan(AuditCollectorApi.Files.SegmentPrefix.Length, name.Length - AuditCollectorApi.Files.SegmentPrefix.Length - AuditCollectorApi.Files.SegmentSuffix.Length), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        await foreach (var line in ReadLinesAsync(Path.Combine(Directory, AuditCollectorApi.Files.Expiries), cancellationToken))
        {
            if (AuditExpiry.TryParse(line) is { } expiry)
            {
                ExpiredThrough = expiry.LastSequence;
                DurableThrough = expiry.LastSequence;
                HeadSha256 = expiry.LastSha256;
            }
        }

        await foreach (var line in ReadLinesAsync(Path.Combine(Directory, AuditCollectorApi.Files.Checkpoints), cancellationToken))
        {
            if (AuditCheckpoint.TryParse(line) is { } checkpoint)
            {
                _checkpointPrev = checkpoint.Digest();
                _checkpointedSequence = checkpoint.Sequence;
                _checkpointedReport = checkpoint.ReportedSequence;
                ReportedSequence = checkpoint.ReportedSequence;
                LastCheckpoint = checkpoint;
            }
        }

        if (Segments() is not [.., var last])
        {
            return;
        }

        // A crash can leave a partial last line: it was never acknowledged, so it is cut off.
        var bytes = await File.ReadAllBytesAsync(last, cancellationToken);
        var whole = bytes.AsSpan().LastIndexOf((byte)'\n') + 1;
        if (whole < bytes.Length)
        {
            await using var cut = new FileStream(last, FileMode.Open, FileAccess.Write);
            cut.SetLength(whole);
            cut.Flush(flushToDisk: true);
        }

        _segmentFirst = FirstSequenceOf(last);
        var sequence = _segmentFirst - 1;
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, whole).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!AuditChain.TryOpen(line, out _, out var sha))
            {
                throw new InvalidDataException($"{last} holds a line that is not a sealed record; verify the store");
            }

            _segmentShas.Add(sha);
            sequence++;
            HeadSha256 = sha;
        }

        DurableThrough = Math.Max(DurableThrough, sequence);
        _segment = Unbuffered(last, FileMode.Append);
    }

    /// <summary>Appends a batch of the chain; see the type's remarks.</summary>
    public async Task<AppendResult> AppendAsync(AuditBatch batch, RecordForwarder forwarder, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var sequence = batch.FirstSequence;
            var index = 0;
            if (sequence <= ExpiredThrough && batch.Lines.Count > 0)
            {
                // Retention removed these; a gateway that lags that far only resends what is gone, so skip past it.
                index = (int)Math.Min(batch.Lines.Count, ExpiredThrough - sequence + 1);
                sequence += index;
            }

            for (; index < batch.Lines.Count && sequence <= DurableThrough; index++, sequence++)
            {
                var stored = await StoredShaAsync(sequence, cancellationToken);
                // The same bytes again (a retry) are acknowledged; anything else at a stored position is refused.
                if (!AuditChain.TryOpen(batch.Lines[index], out var body, out var sha) || sha != stored || AuditChain.HashBody(body) != sha)
                {
                    return AppendResult.Refused(StatusCodes.Status409Conflict, "conflict",
                        $"sequence {sequence} of chain {Identity.Chain} is stored with another record: the store is append-only and keeps the first");
                }
            }

            if (index < batch.Lines.Count && sequence != DurableThrough + 1)
            {
                return AppendResult.Refused(StatusCodes.Status409Conflict, "conflict",
                    $"the batch starts at sequence {sequence}, but chain {Identity.Chain} is stored through {DurableThrough}: send from {DurableThrough + 1}");
            }

            var previous = HeadSha256;
            var shas = new List<string>(batch.Lines.Count - index);
            var buffer = new MemoryStream();
            for (var i = index; i < batch.Lines.Count; i++)
            {
                var line = batch.Lines[i];
                var problem = line.Contains('\n', StringComparison.Ordinal) ? "a record spans lines" : AuditChain.CheckLine(line, sequence + (i - index), previous, out previous);
                if (problem is not null)
                {
                    return AppendResult.Refused(StatusCodes.Status422UnprocessableEntity, "invalid", $"record {i + 1} of the batch (sequence {sequence + (i - index)}): {problem}");
                }

                shas.Add(previous);
                buffer.Write(Encoding.UTF8.GetBytes(line));
                buffer.WriteByte((byte)'\n');
            }

            if (shas.Count == 0)
            {
                return AppendResult.Acknowledged(Acknowledgement, 0);
            }

            if (_segment is null || _segment.Length >= _segmentBytes)
            {
                if (_segment is not null)
                {
                    await _segment.DisposeAsync();
                }

                _segmentFirst = DurableThrough + 1;
                _segmentShas.Clear();
                _segment = Unbuffered(Path.Combine(Directory, AuditCollectorApi.Files.Segment(_segmentFirst)), FileMode.CreateNew);
            }

            var length = _segment.Length;
            try
            {
                buffer.Position = 0;
                await buffer.CopyToAsync(_segment, cancellationToken);
                _segment.Flush(flushToDisk: true);
            }
            catch (IOException exception)
            {
                // Nothing of this batch counts: cut the file back to its last acknowledged record.
                try
                {
                    _segment.SetLength(length);
                    _segment.Flush(flushToDisk: true);
                }
                catch (IOException)
                {
                    // The cut itself failed; recovery at the next start drops a partial last line.
                }

                return StoreVolume.Refusal(exception, $"chain {Identity.Chain}");
            }

            _segmentShas.AddRange(shas);
            DurableThrough += shas.Count;
            HeadSha256 = shas[^1];
            for (var i = index; i < batch.Lines.Count; i++)
            {
                forwarder.Forward(Identity, "record", batch.Lines[i]);
            }

            return AppendResult.Acknowledged(Acknowledgement, shas.Count);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Records the head a gateway reports.</summary>
    public async Task ReportAsync(AuditHead head, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            ReportedSequence = Math.Max(ReportedSequence, head.Sequence);
            ReportedAt = now;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Signs and appends a checkpoint when the chain or the gateway's report moved since the last one; returns it, or null.</summary>
    public async Task<AuditCheckpoint?> CheckpointAsync(ECDsa key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var reported = Math.Max(ReportedSequence, DurableThrough);
            if (DurableThrough == _checkpointedSequence && reported == _checkpointedReport)
            {
                return null;
            }

            var checkpoint = AuditCheckpoint.Sign(key, Identity.Chain, DurableThrough, HeadSha256, reported, now, _checkpointPrev);
            await AppendLineAsync(AuditCollectorApi.Files.Checkpoints, checkpoint.ToJson(), cancellationToken);
            _checkpointPrev = checkpoint.Digest();
            _checkpointedSequence = DurableThrough;
            _checkpointedReport = reported;
            LastCheckpoint = checkpoint;
            return checkpoint;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Removes the oldest closed segment when its last record is older than <paramref name="cutoff"/>: first a signed
    /// expiry naming the range and its last hash is made durable, then the file goes. Returns the expiry, or null.
    /// </summary>
    public async Task<AuditExpiry?> ExpireOldestAsync(ECDsa key, DateTimeOffset cutoff, int retentionDays, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (Segments() is not [var oldest, var next, ..])
            {
                return null;
            }

            string? lastLine = null;
            await foreach (var line in ReadLinesAsync(oldest, cancellationToken))
            {
                lastLine = line;
            }

            if (lastLine is null || !AuditChain.TryOpen(lastLine, out var body, out var sha))
            {
                return null;
            }

            using (var document = JsonDocument.Parse(body))
            {
                if (!document.RootElement.TryGetProperty("time", out var time) || !time.TryGetDateTimeOffset(out var at) || at >= cutoff)
                {
                    return null;
                }
            }

            var expiryPrev = AuditExpiry.Genesis;
            await foreach (var line in ReadLinesAsync(Path.Combine(Directory, AuditCollectorApi.Files.Expiries), cancellationToken))
            {
                if (AuditExpiry.TryParse(line) is { } previous)
                {
                    expiryPrev = previous.Digest();
                }
            }

            var expiry = AuditExpiry.Sign(key, Identity.Chain, FirstSequenceOf(oldest), FirstSequenceOf(next) - 1, sha, retentionDays, now, expiryPrev);
            await AppendLineAsync(AuditCollectorApi.Files.Expiries, expiry.ToJson(), cancellationToken);
            File.Delete(oldest);
            ExpiredThrough = expiry.LastSequence;
            return expiry;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<string?> StoredShaAsync(long sequence, CancellationToken cancellationToken)
    {
        if (sequence >= _segmentFirst && sequence - _segmentFirst < _segmentShas.Count)
        {
            return _segmentShas[(int)(sequence - _segmentFirst)];
        }

        // An older segment: rare (a gateway resending far back), so read it.
        var segment = Segments().LastOrDefault(s => FirstSequenceOf(s) <= sequence);
        if (segment is null)
        {
            return null;
        }

        var at = FirstSequenceOf(segment);
        await foreach (var line in ReadLinesAsync(segment, cancellationToken))
        {
            if (at++ == sequence)
            {
                return AuditChain.TryOpen(line, out _, out var sha) ? sha : null;
            }
        }

        return null;
    }

    private async Task AppendLineAsync(string file, string line, CancellationToken cancellationToken)
    {
        await using var stream = Unbuffered(Path.Combine(Directory, file), FileMode.Append);
        var length = stream.Length;
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // A full volume may take part of the line: cut it off, so the file stays whole lines (the caller keeps its state).
            try
            {
                stream.SetLength(length);
                stream.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                // The cut itself failed: verification reports the partial line with its position.
            }

            throw;
        }
    }

    /// <summary>
    /// A file written without the stream's own buffer: bytes a failed write leaves behind are in the file, where cutting
    /// it back removes them, never in a buffer that a later write or the close would put after the cut.
    /// </summary>
    private static FileStream Unbuffered(string path, FileMode mode) => new(path, mode, FileAccess.Write, FileShare.Read, bufferSize: 0);

    private static async IAsyncEnumerable<string> ReadLinesAsync(string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        await foreach (var line in File.ReadLinesAsync(path, cancellationToken))
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_segment is not null)
        {
            await _segment.DisposeAsync();
        }

        _lock.Dispose();
    }
}
