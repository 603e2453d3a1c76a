namespace AgentOperator.Gateway.Approvals;

/// <summary>An authenticated approver, as TokenReview reported them.</summary>
public sealed record Approver(string User, string? Uid, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra);
