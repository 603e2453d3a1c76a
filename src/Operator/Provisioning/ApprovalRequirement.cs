using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// Whether a revision's gateway can ever need a human approval, and so needs RBAC on AgentApprovals.
/// Granting it without need widens the identity; withholding it when needed breaks escalation at run
/// time, so every path to an AgentApproval counts.
/// </summary>
public static class ApprovalRequirement
{
    /// <summary>Risk tier from which <c>auto</c> still needs approvals (tier 3: one, tier 4: two).</summary>
    public const int AutoApprovalTier = 3;

    /// <summary>True when some call of the revision can end in an AgentApproval.</summary>
    public static bool IsNeeded(RevisionInputs inputs)
    {
        var spec = inputs.Workflow.Spec;

        // An escalate rule hands a call to a human at any autonomy: read calls reach the rules even in observe and draft.
        if (spec.Policy?.Rules?.Any(r => r.OnFail == RuleAction.Escalate) == true)
        {
            return true;
        }

        return spec.Autonomy switch
        {
            // Every write waits for a human.
            Autonomy.Approve => spec.Tools.Any(HasWrite),
            // Rules decide, except that high tiers still need approvers.
            Autonomy.Auto => inputs.BoundTools().Any(t => HasWrite(t.Binding) && t.Tool.Spec.RiskTier >= AutoApprovalTier),
            // observe refuses writes and draft turns them into proposals: neither asks anyone.
            _ => false,
        };
    }

    private static bool HasWrite(ToolBinding binding) => binding.Actions.Any(a => a != ToolAction.Read);
}
