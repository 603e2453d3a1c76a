using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOperator.Contracts;

/// <summary>
/// The line format of the audit log. Each line is a JSON object whose last member is
/// <c>"sha256"</c>: the SHA-256 of the line's bytes without that member (the body, ending in <c>}</c>).
/// The body carries <c>"prev"</c>, the previous line's sha256, so editing, dropping or reordering any
/// line breaks the chain at that line. The first line's <c>prev</c> is the hash of a fixed genesis string.
/// </summary>
public static class AuditChain
{
    /// <summary>The string whose SHA-256 the first record carries as <c>prev</c>.</summary>
    public const string Genesis = "agentoperator.io/audit/v1 genesis";

    /// <summary>SHA-256 (hex) of <see cref="Genesis"/>.</summary>
    public static readonly string GenesisSha256 = Hex(SHA256.HashData(Encoding.UTF8.GetBytes(Genesis)));

    /// <summary>What comes between a line's body (without its closing brace) and the hash.</summary>
    public const string HashMemberPrefix = ",\"sha256\":\"";

    /// <summary>How records are serialized: camelCase, nulls omitted, no indentation.</summary>
    public static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    /// <summary>
    /// Splits a line into its body and recorded hash; false when the line does not end with a sha256 member.
    /// </summary>
    public static bool TryOpen(string line, out string body, out string recordedSha256)
    {
        body = string.Empty;
        recordedSha256 = string.Empty;
        const int HashLength = 64;
        var suffixLength = HashMemberPrefix.Length + HashLength + 2;
        if (line.Length < suffixLength + 2 || !line.EndsWith("\"}", StringComparison.Ordinal))
        {
            return false;
        }

        var prefixAt = line.Length - suffixLength;
        if (string.CompareOrdinal(line, prefixAt, HashMemberPrefix, 0, HashMemberPrefix.Length) != 0)
        {
            return false;
        }

        recordedSha256 = line.Substring(prefixAt + HashMemberPrefix.Length, HashLength);
        body = string.Concat(line.AsSpan(0, prefixAt), "}");
        return true;
    }

    /// <summary>SHA-256 (hex) of a line body.</summary>
    public static string HashBody(string body) => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    /// <summary>Lowercase hex.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>
    /// Checks one line at its place in a chain: sealed with the hash of its own body (else it was edited), carrying
    /// <paramref name="expectedSequence"/> (else records were dropped, reordered or duplicated) and
    /// <paramref name="previousSha256"/> as prev (else the chain was cut or reordered). Returns null and the line's hash
    /// when it holds, else why not.
    /// </summary>
    public static string? CheckLine(string line, long expectedSequence, string previousSha256, out string sha256)
    {
        sha256 = string.Empty;
        if (!TryOpen(line, out var body, out var recorded))
        {
            return "not a sealed audit record (no trailing sha256 member)";
        }

        if (!string.Equals(HashBody(body), recorded, StringComparison.Ordinal))
        {
            return "content does not match its sha256: the record was edited";
        }

        if (!TryReadPosition(body, out var sequence, out var prev))
        {
            return "not valid JSON";
        }

        if (sequence != expectedSequence)
        {
            return sequence > expectedSequence
                ? $"sequence {sequence} where {expectedSequence} was expected: records were dropped or reordered"
                : $"sequence {sequence} where {expectedSequence} was expected: records were reordered or duplicated";
        }

        if (!string.Equals(prev, previousSha256, StringComparison.Ordinal))
        {
            return "prev does not match the previous record's sha256: the chain was cut or reordered";
        }

        sha256 = recorded;
        return null;
    }

    /// <summary>Reads <c>sequence</c> and <c>prev</c> of a line body; false when it is not a JSON object.</summary>
    public static bool TryReadPosition(string body, out long sequence, out string? previousSha256)
    {
        sequence = -1;
        previousSha256 = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            sequence = root.TryGetProperty("sequence", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var n) ? n : -1;
            previousSha256 = root.TryGetProperty("prev", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
