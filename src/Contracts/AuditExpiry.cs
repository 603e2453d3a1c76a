using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AgentOperator.Contracts;

/// <summary>
/// A signed statement by the audit collector that it removed records <see cref="FirstSequence"/> to
/// <see cref="LastSequence"/> of a chain under the workflow's retention (<see cref="RetentionDays"/>): the last of them
/// hashed to <see cref="LastSha256"/>, so the chain continues verifiably after the gap and a deletion by retention is
/// told apart from tampering. Chained (<see cref="Prev"/>) and signed like <see cref="AuditCheckpoint"/>; one JSON
/// line each in <see cref="AuditCollectorApi.Files.Expiries"/>.
/// </summary>
public sealed record AuditExpiry(string Chain, long FirstSequence, long LastSequence, string LastSha256, int RetentionDays, DateTimeOffset Time, string Prev, string Signature)
{
    /// <summary>The prev of a chain's first expiry.</summary>
    public static readonly string Genesis = AuditChain.HashBody("agentoperator.io/audit/v1 expiry genesis");

    /// <summary>What is signed: every field but the signature, one per line, in this order.</summary>
    public string SignedText() => string.Join('\n', "agentoperator.io/audit/v1 expiry", Chain, FirstSequence, LastSequence, LastSha256, RetentionDays, Time.ToUnixTimeMilliseconds(), Prev);

    /// <summary>The digest the next expiry carries as prev.</summary>
    public string Digest() => AuditChain.HashBody(SignedText());

    /// <summary>A signed expiry.</summary>
    public static AuditExpiry Sign(ECDsa key, string chain, long firstSequence, long lastSequence, string lastSha256, int retentionDays, DateTimeOffset time, string prev)
    {
        ArgumentNullException.ThrowIfNull(key);
        var unsigned = new AuditExpiry(chain, firstSequence, lastSequence, lastSha256, retentionDays, time, prev, "");
        return unsigned with { Signature = Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(unsigned.SignedText()), HashAlgorithmName.SHA256)) };
    }

    /// <summary>True when <see cref="Signature"/> is the key's signature of <see cref="SignedText"/>.</summary>
    public bool IsSignedBy(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> signature = stackalloc byte[256];
        return Convert.TryFromBase64String(Signature, signature, out var length)
            && key.VerifyData(Encoding.UTF8.GetBytes(SignedText()), signature[..length], HashAlgorithmName.SHA256);
    }

    /// <summary>The JSON line.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, AuditChain.SerializerOptions);

    /// <summary>Parses a JSON line; null when it is not an expiry.</summary>
    public static AuditExpiry? TryParse(string line)
    {
        try
        {
            var expiry = JsonSerializer.Deserialize<AuditExpiry>(line, AuditChain.SerializerOptions);
            return expiry is { Chain: not null, LastSha256: not null, Prev: not null, Signature: not null } ? expiry : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
