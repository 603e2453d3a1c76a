namespace AgentOperator.Contracts;

/// <summary>
/// A run's story as the collector's runs API (v1) serves it, built from the run's audit records: the data source of
/// <c>kubectl agents runs|trace</c>. Inputs in decisions are redacted as the bundle says before they are recorded.
/// </summary>
/// <param name="RunId">The run's id.</param>
/// <param name="Namespace">The workflow's namespace.</param>
/// <param name="Workflow">The AgentWorkflow.</param>
/// <param name="Revision">The revision that ran it.</param>
/// <param name="Pod">The pod whose gateway recorded it.</param>
/// <param name="StartedAt">When the run started (null when only later records are kept).</param>
/// <param name="CompletedAt">When it completed, or null while open.</param>
/// <param name="Outcome">success, escalated, failed, budget_exceeded; null while open.</param>
/// <param name="TerminatedBy">The budget that ended it, when one did.</param>
/// <param name="Steps">Tool and model calls made.</param>
/// <param name="ToolCalls">Tool calls made.</param>
/// <param name="Tokens">Model tokens by role and model.</param>
/// <param name="CostUsd">Model cost.</param>
/// <param name="DurationMs">Wall time from start to completion.</param>
/// <param name="Decisions">Every decision in order: tool and model calls with their rule and reason.</param>
/// <param name="Approvals">Approvals the decisions relied on, with who approved.</param>
public sealed record RunRecord(string RunId, string Namespace, string Workflow, string Revision, string Pod, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    string? Outcome, string? TerminatedBy, int Steps, int ToolCalls, IReadOnlyList<RunTokens> Tokens, decimal CostUsd, double? DurationMs,
    IReadOnlyList<RunDecision> Decisions, IReadOnlyList<RunApproval> Approvals);

/// <summary>Tokens of one role and model in a run.</summary>
public sealed record RunTokens(string Role, string Model, long InputTokens, long OutputTokens);

/// <summary>
/// One decision of a run: what was asked, what was decided, by which rule and why, whether it executed, how long the
/// gateway took (upstream included), a model call's tokens and cost, the approval it asked for or relied on, and the
/// intent and reason the agent stated for a write (its action packet), where it gave them.
/// </summary>
public sealed record RunDecision(long Sequence, DateTimeOffset Time, string Kind, string? Tool, string? Action, string? Role, string? Model,
    string? Decision, string? Rule, string? Reason, int? Status, bool? Executed,
    double? DurationMs = null, long? InputTokens = null, long? OutputTokens = null, decimal? CostUsd = null, string? ApprovalId = null,
    string? AgentIntent = null, string? AgentReason = null);

/// <summary>An approval a decision took into account.</summary>
public sealed record RunApproval(string? ApprovalId, string? Tool, IReadOnlyList<string> Approvers, DateTimeOffset Time);

/// <summary>The runs API's list answer: summaries without decisions, newest first.</summary>
public sealed record RunList(string ApiVersion, IReadOnlyList<RunRecord> Items)
{
    /// <summary>The version of the runs API.</summary>
    public const string Version = "agentoperator.io/runs/v1";
}
