using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Workflows;
using AgentOperator.Policy.Approvals;

namespace AgentOperator.Operator.Approvals;

/// <summary>
/// The Events an approval's life leaves on its workflow: requested (with the command that decides it), each verdict,
/// and the decision. Messages name tools, tiers, users and comments; never the tool input.
/// </summary>
internal static class ApprovalEvents
{
    public const string Requested = "ApprovalRequested";
    public const string Verdict = "ApprovalVerdict";
    public const string Approved = "ApprovalApproved";
    public const string Denied = "ApprovalDenied";
    public const string Expired = "ApprovalExpired";

    public static WorkflowEvent RequestedEvent(AgentApproval approval)
    {
        var spec = approval.Spec;
        var needs = spec.ApprovalsRequired == 1 ? "1 approver" : $"{spec.ApprovalsRequired} distinct approvers";
        return new(false, Requested,
            $"run {spec.RunId} asks to {Action(spec.Action)} with {spec.Tool} (tier {spec.RiskTier}): {spec.PolicyReason ?? "approval required"}; " +
            $"AgentApproval {approval.Metadata.Name} needs {needs} before {spec.ExpiresAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}");
    }

    public static WorkflowEvent VerdictEvent(AgentApproval approval, ApproverDecision verdict)
    {
        var verb = verdict.Verdict == ApproverVerdict.Approve ? "approved" : "denied";
        var comment = string.IsNullOrWhiteSpace(verdict.Comment) ? "" : $": {verdict.Comment}";
        return new(verdict.Verdict == ApproverVerdict.Deny, Verdict,
            $"{verdict.User} {verb} AgentApproval {approval.Metadata.Name} ({approval.Spec.Tool}, tier {approval.Spec.RiskTier}, run {approval.Spec.RunId}){comment}");
    }

    public static WorkflowEvent? DecisionEvent(AgentApproval approval, ApprovalDecision decision, AgentApprovalStatus? status) => decision switch
    {
        ApprovalDecision.Approved => new(false, Approved,
            $"AgentApproval {approval.Metadata.Name} approved by {string.Join(", ", ApprovalTally.Approvers(status))}: {approval.Spec.Tool} for run {approval.Spec.RunId} may execute once"),
        ApprovalDecision.Denied => new(true, Denied,
            $"AgentApproval {approval.Metadata.Name} denied by {ApprovalTally.Denials(status)}: {approval.Spec.Tool} for run {approval.Spec.RunId} will not execute"),
        ApprovalDecision.Expired => new(true, Expired,
            $"AgentApproval {approval.Metadata.Name} expired at {approval.Spec.ExpiresAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)} without a decision: {approval.Spec.Tool} for run {approval.Spec.RunId} will not execute"),
        _ => null,
    };

    private static string Action(ToolAction action) => action.ToString().ToLowerInvariant();
}
