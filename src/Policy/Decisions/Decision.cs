using AgentOperator.Contracts;

namespace AgentOperator.Policy.Decisions;

/// <summary>
/// The outcome of deciding one call: a value with the deciding rule and one human sentence.
/// </summary>
/// <param name="Kind">What the gateway does.</param>
/// <param name="RuleId">The policy rule id, a <see cref="BuiltInRules"/> id or a budget name; null when allowed.</param>
/// <param name="Reason">One human sentence explaining the decision.</param>
public sealed record Decision(DecisionKind Kind, string? RuleId, string Reason)
{
    /// <summary>Distinct approvers needed before the call executes (NeedsApproval), otherwise 0.</summary>
    public int ApprovalsRequired { get; init; }

    /// <summary>Schema errors as JSON pointers (Invalid), otherwise empty.</summary>
    public IReadOnlyList<PointerError> Errors { get; init; } = [];

    /// <summary>True when a blockAndAlert rule failed: page someone, not just deny.</summary>
    public bool Alert { get; init; }

    /// <summary>For RateLimited: when the next call may succeed.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True when the call may execute now.</summary>
    public bool IsAllowed => Kind == DecisionKind.Allow;

    /// <summary>
    /// The problem+json <c>decision</c> member (deny, escalate, invalid, budget_exceeded, rate_limited);
    /// null for Allow and Proposal, which are not refusals.
    /// </summary>
    public string? ProblemDecision => Kind switch
    {
        DecisionKind.Deny => "deny",
        DecisionKind.NeedsApproval => "escalate",
        DecisionKind.Invalid => "invalid",
        DecisionKind.BudgetExceeded => "budget_exceeded",
        DecisionKind.RateLimited => "rate_limited",
        _ => null,
    };

    /// <summary>The <c>decision</c> label of agent_tool_calls_total: allow, deny or escalate.</summary>
    public string MetricDecision => Kind switch
    {
        DecisionKind.Allow => "allow",
        DecisionKind.NeedsApproval or DecisionKind.Proposal => "escalate",
        _ => "deny",
    };

    /// <summary>
    /// The HTTP status the agent API answers with: 200, 202, 402 (budget exhausted: final), 403, 422 or 429 (rate
    /// limited: retry after <see cref="RetryAfter"/>); see <see cref="RefusalStatuses"/>.
    /// </summary>
    public int HttpStatus => Kind switch
    {
        DecisionKind.Allow => 200,
        DecisionKind.NeedsApproval or DecisionKind.Proposal => 202,
        DecisionKind.Deny => 403,
        DecisionKind.Invalid => 422,
        DecisionKind.BudgetExceeded => RefusalStatuses.BudgetExhausted,
        _ => RefusalStatuses.RetryLater,
    };

    /// <summary>True when both decisions have the same kind, rule, approvals and alert (reasons and pointers may differ in wording).</summary>
    public bool SameOutcomeAs(Decision other) =>
        Kind == other.Kind && RuleId == other.RuleId && ApprovalsRequired == other.ApprovalsRequired && Alert == other.Alert;

    /// <summary>The call may execute.</summary>
    public static Decision Allow(string reason = "allowed by policy") => new(DecisionKind.Allow, null, reason);

    /// <summary>The call is refused.</summary>
    public static Decision Deny(string ruleId, string reason, bool alert = false) => new(DecisionKind.Deny, ruleId, reason) { Alert = alert };

    /// <summary>The call needs human approval.</summary>
    public static Decision NeedsApproval(string ruleId, string reason, int approvalsRequired) =>
        new(DecisionKind.NeedsApproval, ruleId, reason) { ApprovalsRequired = approvalsRequired };

    /// <summary>The write becomes a proposal (draft autonomy).</summary>
    public static Decision Proposal(string reason) => new(DecisionKind.Proposal, BuiltInRules.Autonomy, reason);

    /// <summary>The input is invalid.</summary>
    public static Decision Invalid(string reason, IReadOnlyList<PointerError> errors) =>
        new(DecisionKind.Invalid, BuiltInRules.Schema, reason) { Errors = errors };

    /// <summary>A run budget is exhausted.</summary>
    public static Decision BudgetExceeded(string budgetName, string reason) => new(DecisionKind.BudgetExceeded, budgetName, reason);

    /// <summary>The rate limit is exhausted.</summary>
    public static Decision RateLimited(string reason, TimeSpan retryAfter) =>
        new(DecisionKind.RateLimited, BuiltInRules.RateLimit, reason) { RetryAfter = retryAfter };
}
