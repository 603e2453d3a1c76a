using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AgentOperator.Contracts;

/// <summary>
/// A signed statement by the audit collector about one chain: at <see cref="Time"/> the store held records through
/// <see cref="Sequence"/>, the last of them hashing to <see cref="Sha256"/>, and the gateway had reported its head at
/// <see cref="ReportedSequence"/>. Checkpoints of a chain are themselves chained (<see cref="Prev"/> is the digest of
/// the previous one), and signed with ECDSA P-256 by a key only the collector holds, so neither a gateway nor
/// whoever edits the store's files can forge or recompute them. One JSON line each in <see cref="AuditCollectorApi.Files.Checkpoints"/>.
/// </summary>
public sealed record AuditCheckpoint(string Chain, long Sequence, string Sha256, long ReportedSequence, DateTimeOffset Time, string Prev, string Signature)
{
    /// <summary>The prev of a chain's first checkpoint.</summary>
    public static readonly string Genesis = AuditChain.HashBody("agentoperator.io/audit/v1 checkpoint genesis");

    /// <summary>What is signed: every field but the signature, one per line, in this order.</summary>
    public string SignedText() => string.Join('\n', "agentoperator.io/audit/v1 checkpoint", Chain, Sequence, Sha256, ReportedSequence, Time.ToUnixTimeMilliseconds(), Prev);

    /// <summary>The digest the next checkpoint carries as prev.</summary>
    public string Digest() => AuditChain.HashBody(SignedText());

    /// <summary>A signed checkpoint.</summary>
    public static AuditCheckpoint Sign(ECDsa key, string chain, long sequence, string sha256, long reportedSequence, DateTimeOffset time, string prev)
    {
        ArgumentNullException.ThrowIfNull(key);
        var unsigned = new AuditCheckpoint(chain, sequence, sha256, reportedSequence, time, prev, "");
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

    /// <summary>Parses a JSON line; null when it is not a checkpoint.</summary>
    public static AuditCheckpoint? TryParse(string line)
    {
        try
        {
            var checkpoint = JsonSerializer.Deserialize<AuditCheckpoint>(line, AuditChain.SerializerOptions);
            return checkpoint is { Chain: not null, Sha256: not null, Prev: not null, Signature: not null } ? checkpoint : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
