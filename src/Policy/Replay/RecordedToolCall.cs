using System.Text.Json;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Replay;

/// <summary>A tool call as the audit log recorded it: enough to decide it again under another bundle.</summary>
/// <param name="Tool">Tool name.</param>
/// <param name="Action">Action.</param>
/// <param name="Input">The input as decided (before redaction, or redacted if that is all the log has).</param>
/// <param name="Run">The run's counters when the call was decided.</param>
/// <param name="RecordedKind">The decision recorded then.</param>
/// <param name="RecordedRuleId">The rule recorded then (null for Allow).</param>
public sealed record RecordedToolCall(string Tool, ToolAction Action, JsonElement Input, RunSnapshot Run, DecisionKind RecordedKind, string? RecordedRuleId)
{
    /// <summary>Approvers the call had when it was decided.</summary>
    public IReadOnlyCollection<string> Approvers { get; init; } = [];

    /// <summary>The agent's intent as recorded (its action packet), if it sent one.</summary>
    public string? Intent { get; init; }

    /// <summary>The agent's reason as recorded (its action packet), if it sent one.</summary>
    public string? Reason { get; init; }
}
