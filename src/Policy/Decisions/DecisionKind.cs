namespace AgentOperator.Policy.Decisions;

/// <summary>What the gateway does with a call.</summary>
public enum DecisionKind
{
    /// <summary>Execute the call.</summary>
    Allow,

    /// <summary>Refuse the call (403).</summary>
    Deny,

    /// <summary>The call needs <see cref="Decision.ApprovalsRequired"/> distinct human approvals before it executes (202).</summary>
    NeedsApproval,

    /// <summary>Draft autonomy: the write is recorded as a proposal and never executed.</summary>
    Proposal,

    /// <summary>The input does not match the tool's schema (422).</summary>
    Invalid,

    /// <summary>A run budget is exhausted; the run is terminated (402, final).</summary>
    BudgetExceeded,

    /// <summary>The tool's rate limit for this workflow is exhausted for now (429).</summary>
    RateLimited,
}
