namespace AgentOperator.Contracts;

/// <summary>
/// What verifying one chain of an audit store found. <see cref="Problem"/> is null when the chain is intact: every
/// record sealed and in order, every signed checkpoint and expiry valid and matched by the records.
/// </summary>
/// <param name="Chain">The chain (<c>namespace/pod</c>).</param>
/// <param name="Records">Records present and verified (up to the problem, when there is one).</param>
/// <param name="Expired">Records removed by retention, each range under a signed expiry.</param>
/// <param name="Checkpoints">Signed checkpoints read.</param>
/// <param name="AnchoredThrough">The highest sequence a valid signed checkpoint anchors.</param>
/// <param name="Problem">Why the chain is tampered, or null.</param>
/// <param name="Sequence">The sequence at which the problem shows, when it is about a record.</param>
/// <param name="File">The file the problem is in.</param>
/// <param name="Line">The 1-based line of that file.</param>
public sealed record AuditChainReport(string Chain, long Records, long Expired, int Checkpoints, long AnchoredThrough, string? Problem = null, long? Sequence = null, string? File = null, int? Line = null)
{
    /// <summary>True when nothing was found wrong.</summary>
    public bool IsIntact => Problem is null;

    /// <summary>One line for people: <c>ok ...</c> or <c>TAMPERED ...</c> with the position and the reason.</summary>
    public override string ToString() => IsIntact
        ? $"ok: chain {Chain}: {Records} records intact, {Expired} expired under retention, anchored through sequence {AnchoredThrough} by {Checkpoints} signed checkpoints"
        : $"TAMPERED: chain {Chain}" + (Sequence is { } s ? $" at sequence {s}" : "") + (File is not null ? $" ({File}" + (Line is { } l ? $" line {l}" : "") + ")" : "") + $": {Problem}";
}
