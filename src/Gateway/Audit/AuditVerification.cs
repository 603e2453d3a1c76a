namespace AgentOperator.Gateway.Audit;

/// <summary>Result of checking an audit log's hash chain.</summary>
/// <param name="Records">Records read (up to the first bad one).</param>
/// <param name="FirstBadLine">1-based line number of the first record that breaks the chain, or null.</param>
/// <param name="Problem">Why that line is bad.</param>
/// <param name="HeadSha256">Hash of the last good record: compare it with a copy kept elsewhere to detect truncation.</param>
public sealed record AuditVerification(long Records, int? FirstBadLine, string? Problem, string HeadSha256)
{
    /// <summary>True when every line is intact and in order.</summary>
    public bool IsIntact => FirstBadLine is null;
}
