using System.Text.Json;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// Checks an audit log: every line must be sealed with the hash of its own body (else it was edited),
/// carry the next sequence number (else a record was dropped or moved) and the previous line's hash
/// (else the chain was cut or reordered). Names the first bad line. Truncation at the end is visible only
/// against a head hash kept elsewhere (<see cref="AuditVerification.HeadSha256"/>).
/// </summary>
public static class AuditVerifier
{
    /// <summary>Verifies the log at <paramref name="path"/>.</summary>
    public static async Task<AuditVerification> VerifyAsync(string path, CancellationToken cancellationToken)
    {
        var previous = AuditChain.GenesisSha256;
        long expectedSequence = 1;
        var lineNumber = 0;
        await foreach (var line in File.ReadLinesAsync(path, cancellationToken))
        {
            lineNumber++;
            var problem = Check(line, expectedSequence, previous, out var sha);
            if (problem is not null)
            {
                return new AuditVerification(expectedSequence - 1, lineNumber, problem, previous);
            }

            previous = sha;
            expectedSequence++;
        }

        return new AuditVerification(expectedSequence - 1, null, null, previous);
    }

    private static string? Check(string line, long expectedSequence, string previous, out string sha)
    {
        sha = string.Empty;
        if (!AuditChain.TryOpen(line, out var body, out var recorded))
        {
            return "not a sealed audit record (no trailing sha256 member)";
        }

        if (!string.Equals(AuditChain.HashBody(body), recorded, StringComparison.Ordinal))
        {
            return "content does not match its sha256: the record was edited";
        }

        long sequence;
        string? prev;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            sequence = root.TryGetProperty("sequence", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : -1;
            prev = root.TryGetProperty("prev", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        }
        catch (JsonException)
        {
            return "not valid JSON";
        }

        if (sequence != expectedSequence)
        {
            return sequence > expectedSequence
                ? $"sequence {sequence} where {expectedSequence} was expected: records were dropped or reordered"
                : $"sequence {sequence} where {expectedSequence} was expected: records were reordered or duplicated";
        }

        if (!string.Equals(prev, previous, StringComparison.Ordinal))
        {
            return "prev does not match the previous record's sha256: the chain was cut or reordered";
        }

        sha = recorded;
        return null;
    }
}
