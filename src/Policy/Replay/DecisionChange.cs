using AgentOperator.Policy.Decisions;

namespace AgentOperator.Policy.Replay;

/// <summary>A recorded call whose decision differs under the other bundle.</summary>
/// <param name="Index">Position of the call in the replayed sequence (0-based).</param>
/// <param name="Call">The recorded call.</param>
/// <param name="Replayed">The decision under the other bundle.</param>
public sealed record DecisionChange(int Index, RecordedToolCall Call, Decision Replayed)
{
    /// <summary>One line, e.g. "#3 payments.issue_refund create: allow → deny (refund-limit)".</summary>
    public override string ToString() =>
        $"#{Index} {Call.Tool} {Call.Action.ToString().ToLowerInvariant()}: {Label(Call.RecordedKind, Call.RecordedRuleId)} -> {Label(Replayed.Kind, Replayed.RuleId)}: {Replayed.Reason}";

    private static string Label(DecisionKind kind, string? rule) => rule is null ? kind.ToString() : $"{kind} ({rule})";
}
