using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ValidatePolicy: what the API server cannot check. The compiler resolves the tool bindings against the namespace's
/// AgentTools (unknown tool, action the registry does not allow), compiles every CEL rule and checks the model roles
/// rules use; the provisioning builders then check what they need (ports, token audiences). Every error keeps its
/// spec path. No step after this one runs for an invalid spec, so the running revision stays exactly as it was.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private const int MaxConditionMessageErrors = 20;

    private bool ValidatePolicy(WorkflowContext ctx)
    {
        var compiled = PolicyBundleCompiler.Compile(ctx.Workflow, ctx.Tools);
        List<string> errors = [.. compiled.Errors.Select(e => e.ToString())];
        if (compiled.Succeeded)
        {
            // The kill switch annotation engages the switch as spec.killSwitch does; neither changes the revision.
            var json = PolicyBundleJson.Serialize(compiled.Bundle with { KillSwitch = ctx.KillSwitch });
            var inputs = new RevisionInputs(ctx.Workflow, compiled.Bundle.Revision, json, ctx.Tools, ctx.Spec.Runtime.Replicas);
            errors.AddRange(RevisionChildrenBuilder.Validate(inputs, provisioning));
            if (errors.Count == 0)
            {
                ctx.TargetRevision = compiled.Bundle.Revision;
                ctx.Inputs = inputs;
                ctx.Desired = RevisionChildrenBuilder.Build(inputs, provisioning);
                var message = $"the spec of generation {ctx.Generation} compiles to revision {ctx.TargetRevision}";
                if (ctx.Conditions.Set(ConditionTypes.PolicyValid, ConditionStatus.True, WorkflowReasons.PolicyCompiled, message, ctx.Generation)
                    && ctx.Workflow.Status?.Conditions?.Any(c => c.Type == ConditionTypes.PolicyValid) == true)
                {
                    ctx.AfterStatus(new WorkflowEvent(false, WorkflowReasons.PolicyCompiled, message));
                }

                return true;
            }
        }

        ctx.SpecErrors = errors;
        var shown = errors.Take(MaxConditionMessageErrors).ToList();
        var more = errors.Count > shown.Count ? $" (and {errors.Count - shown.Count} more)" : "";
        var invalid = $"{errors.Count} error(s): {string.Join("; ", shown)}{more}"
            + (ctx.StableRevision is null ? "" : $"; revision {ctx.StableRevision} keeps running unchanged");
        if (ctx.Conditions.Set(ConditionTypes.PolicyValid, ConditionStatus.False, WorkflowReasons.PolicyInvalid, invalid, ctx.Generation))
        {
            ctx.AfterStatus(new WorkflowEvent(true, WorkflowReasons.PolicyInvalid, invalid));
        }

        return false;
    }
}
