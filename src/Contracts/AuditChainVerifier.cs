using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace AgentOperator.Contracts;

/// <summary>
/// Verifies one chain of an audit store against its signed anchors: expiries (what retention removed), checkpoints
/// (what the store held, when), then the records segment by segment. Reports the first problem with its position:
/// an edited, dropped, reordered or duplicated record breaks the hash chain at that record; a record rewritten with
/// the whole chain recomputed after it no longer matches the next signed checkpoint; a truncated tail or an emptied
/// store ends below the last checkpoint; a deleted checkpoint or expiry breaks their own chain or signature.
/// </summary>
public static class AuditChainVerifier
{
    /// <summary>Records older than this need a checkpoint: the collector signs one every few seconds.</summary>
    public static readonly TimeSpan AnchorGrace = TimeSpan.FromMinutes(1);

    /// <summary>Verifies the chain of <paramref name="source"/> with the collector's public <paramref name="key"/>.</summary>
    public static async Task<AuditChainReport> VerifyAsync(IAuditChainSource source, ECDsa key, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var chain = source.Chain;
        var files = await source.ListFilesAsync(cancellationToken);

        // Expiries: signed, chained, contiguous from sequence 1.
        long expiredThrough = 0;
        var prevSha = AuditChain.GenesisSha256;
        var expiryPrev = AuditExpiry.Genesis;
        var line = 0;
        await foreach (var text in source.ReadLinesAsync(AuditCollectorApi.Files.Expiries, cancellationToken))
        {
            line++;
            var expiry = AuditExpiry.TryParse(text);
            string? problem = expiry is null ? "not an expiry record"
                : expiry.Chain != chain ? $"the expiry is of chain {expiry.Chain}"
                : !expiry.IsSignedBy(key) ? "the expiry's signature does not verify: it was forged or edited"
                : expiry.Prev != expiryPrev ? "the expiry does not follow the previous one: an expiry was removed or reordered"
                : expiry.FirstSequence != expiredThrough + 1 || expiry.LastSequence < expiry.FirstSequence ? $"the expiry covers {expiry.FirstSequence}-{expiry.LastSequence} where {expiredThrough + 1} was next"
                : null;
            if (problem is not null)
            {
                return new AuditChainReport(chain, 0, expiredThrough, 0, 0, problem, null, AuditCollectorApi.Files.Expiries, line);
            }

            expiredThrough = expiry!.LastSequence;
            prevSha = expiry.LastSha256;
            expiryPrev = expiry.Digest();
        }

        // Checkpoints: signed, chained, never going back.
        var checkpoints = new List<AuditCheckpoint>();
        var checkpointPrev = AuditCheckpoint.Genesis;
        line = 0;
        await foreach (var text in source.ReadLinesAsync(AuditCollectorApi.Files.Checkpoints, cancellationToken))
        {
            line++;
            var checkpoint = AuditCheckpoint.TryParse(text);
            string? problem = checkpoint is null ? "not a checkpoint"
                : checkpoint.Chain != chain ? $"the checkpoint is of chain {checkpoint.Chain}"
                : !checkpoint.IsSignedBy(key) ? "the checkpoint's signature does not verify: it was forged or edited"
                : checkpoint.Prev != checkpointPrev ? "the checkpoint does not follow the previous one: a checkpoint was removed or reordered"
                : checkpoints.Count > 0 && checkpoint.Sequence < checkpoints[^1].Sequence ? "the checkpoint goes back in sequence"
                : null;
            if (problem is not null)
            {
                return new AuditChainReport(chain, 0, expiredThrough, checkpoints.Count, 0, problem, null, AuditCollectorApi.Files.Checkpoints, line);
            }

            checkpoints.Add(checkpoint!);
            checkpointPrev = checkpoint!.Digest();
        }

        var anchored = checkpoints.Count == 0 ? 0 : checkpoints[^1].Sequence;
        var bySequence = checkpoints.Where(c => c.Sequence > expiredThrough).GroupBy(c => c.Sequence).ToDictionary(g => g.Key, g => g.First());

        // Records: segments in order, each starting where the previous ended.
        var segments = files.Where(f => f.StartsWith(AuditCollectorApi.Files.SegmentPrefix, StringComparison.Ordinal) && f.EndsWith(AuditCollectorApi.Files.SegmentSuffix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        var expected = expiredThrough + 1;
        long lastAnchorChecked = expiredThrough;
        DateTimeOffset? firstUnanchoredTime = null;
        foreach (var segment in segments)
        {
            var first = long.TryParse(segment.AsSpan(AuditCollectorApi.Files.SegmentPrefix.Length, segment.Length - AuditCollectorApi.Files.SegmentPrefix.Length - AuditCollectorApi.Files.SegmentSuffix.Length),
                NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
            if (first != expected)
            {
                var problem = first > expected
                    ? $"records {expected}-{first - 1} are missing: a segment was deleted outside retention"
                    : $"the segment starts at {first} where {expected} was expected: records were duplicated or reordered";
                return new AuditChainReport(chain, expected - expiredThrough - 1, expiredThrough, checkpoints.Count, anchored, problem, expected, segment, 1);
            }

            line = 0;
            await foreach (var text in source.ReadLinesAsync(segment, cancellationToken))
            {
                line++;
                var problem = AuditChain.CheckLine(text, expected, prevSha, out var sha);
                if (problem is null && bySequence.TryGetValue(expected, out var checkpoint) && checkpoint.Sha256 != sha)
                {
                    problem = $"the record does not match the checkpoint signed at {checkpoint.Time:O}: records {lastAnchorChecked + 1}-{expected} were rewritten and the chain recomputed";
                }

                if (problem is not null)
                {
                    return new AuditChainReport(chain, expected - expiredThrough - 1, expiredThrough, checkpoints.Count, anchored, problem, expected, segment, line);
                }

                if (bySequence.ContainsKey(expected))
                {
                    lastAnchorChecked = expected;
                    firstUnanchoredTime = null;
                }
                else if (expected > anchored && firstUnanchoredTime is null)
                {
                    firstUnanchoredTime = RecordTime(text);
                }

                prevSha = sha;
                expected++;
            }
        }

        var last = expected - 1;
        var records = last - expiredThrough;
        if (last < anchored)
        {
            var problem = records == 0
                ? $"the store holds no records, but a signed checkpoint anchors the chain through sequence {anchored}: the log was emptied"
                : $"the records end at sequence {last}, but a signed checkpoint anchors the chain through sequence {anchored}: the tail was truncated";
            return new AuditChainReport(chain, records, expiredThrough, checkpoints.Count, anchored, problem, last + 1, segments.LastOrDefault());
        }

        if (firstUnanchoredTime is { } unanchoredSince && timeProvider.GetUtcNow() - unanchoredSince > AnchorGrace)
        {
            return new AuditChainReport(chain, records, expiredThrough, checkpoints.Count, anchored,
                $"records from sequence {anchored + 1} were stored at {unanchoredSince:O} and no signed checkpoint anchors them: the checkpoints were removed", anchored + 1, AuditCollectorApi.Files.Checkpoints);
        }

        return new AuditChainReport(chain, records, expiredThrough, checkpoints.Count, anchored);
    }

    private static DateTimeOffset? RecordTime(string line)
    {
        if (!AuditChain.TryOpen(line, out var body, out _))
        {
            return null;
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("time", out var time) && time.TryGetDateTimeOffset(out var value) ? value : null;
    }
}
