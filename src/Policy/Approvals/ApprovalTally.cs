using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.Approvals;

/// <summary>
/// What the verdicts of an AgentApproval add up to, at a given time: any deny denies; <c>approvalsRequired</c>
/// distinct approving users approve; nothing decided by <c>expiresAt</c> expires. A decision is final. Pure: the
/// operator writes what this returns, and admission (config/admission) refuses a decision the verdicts do not support.
/// </summary>
public static class ApprovalTally
{
    /// <summary>The decision the verdicts support at <paramref name="now"/>; the current one when it is already final.</summary>
    public static ApprovalDecision Decide(AgentApprovalSpec spec, AgentApprovalStatus? status, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (status is { Decision: not ApprovalDecision.Pending })
        {
            return status.Decision;
        }

        if (now >= spec.ExpiresAt)
        {
            return ApprovalDecision.Expired;
        }

        var verdicts = status?.Approvals ?? [];
        if (verdicts.Any(v => v.Verdict == ApproverVerdict.Deny))
        {
            return ApprovalDecision.Denied;
        }

        return Approvers(status).Count >= spec.ApprovalsRequired ? ApprovalDecision.Approved : ApprovalDecision.Pending;
    }

    /// <summary>The distinct users who approved, in the order they did.</summary>
    public static IReadOnlyList<string> Approvers(AgentApprovalStatus? status) =>
        [.. (status?.Approvals ?? []).Where(v => v.Verdict == ApproverVerdict.Approve).Select(v => v.User).Distinct(StringComparer.Ordinal)];

    /// <summary>"bob: wrong customer", for each deny verdict; empty when nobody denied.</summary>
    public static string Denials(AgentApprovalStatus? status) => string.Join("; ", (status?.Approvals ?? [])
        .Where(v => v.Verdict == ApproverVerdict.Deny)
        .Select(v => string.IsNullOrWhiteSpace(v.Comment) ? v.User : $"{v.User}: {v.Comment}"));
}
