namespace AgentOperator.Contracts;

/// <summary>
/// Sealed audit lines of one chain, shipped by a gateway: <see cref="Lines"/> hold consecutive records from
/// <see cref="FirstSequence"/>, each exactly as written to the gateway's log (without the newline). Shipping the same
/// range again is acknowledged without storing it twice; a different record at a stored position is refused.
/// </summary>
public sealed record AuditBatch(long FirstSequence, IReadOnlyList<string> Lines);

/// <summary>
/// The collector's answer: records through <see cref="DurableThrough"/> of the caller's <see cref="Chain"/> are fsynced
/// in the store; <see cref="HeadSha256"/> is the hash of that record (the genesis hash when there is none).
/// </summary>
public sealed record AuditAcknowledgement(string Chain, long DurableThrough, string HeadSha256);

/// <summary>A gateway's chain head as it reports it (at least every <see cref="AuditCollectorApi.HeadInterval"/>).</summary>
public sealed record AuditHead(long Sequence, string Sha256, DateTimeOffset Time);
