using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Rules;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Decisions;

/// <summary>
/// The pure, stateless part of a tool-call decision: allowlist and action → autonomy and risk tier
/// (kill switch first) → input schema → CEL rules → approvals or proposal. Stateful stages (run budget,
/// rate limit, reservation) wrap it in <see cref="PolicyEngine"/>; replay uses it alone.
/// </summary>
public static class DecisionPipeline
{
    /// <summary>
    /// Decides a call against the policy. Returns Allow when every policy stage passes (and approvals, if
    /// needed, are present); otherwise the first refusal, or the proposal / approval the call requires.
    /// </summary>
    public static Decision Decide(CompiledPolicy policy, ToolCallRequest call, RunSnapshot run)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(run);
        var bundle = policy.Bundle;

        if (!policy.TryGetTool(call.Tool, out var tool))
        {
            return Decision.Deny(BuiltInRules.Allowlist, $"Tool '{call.Tool}' is not in this workflow's allowlist.");
        }

        var actionName = CompiledTool.ActionName(call.Action);
        if (!tool.Allows(call.Action))
        {
            return Decision.Deny(BuiltInRules.Action,
                $"Action '{actionName}' is not allowed on tool '{tool.Definition.Name}' for this workflow (allowed: {string.Join(", ", tool.Definition.Actions.Select(CompiledTool.ActionName))}).");
        }

        var write = call.Action != ToolAction.Read;
        var tier = tool.Definition.RiskTier;
        if (bundle.KillSwitch && write)
        {
            return Decision.Deny(BuiltInRules.KillSwitch, $"The kill switch is on: the {actionName} action on '{tool.Definition.Name}' is denied until it is turned off.");
        }

        // What the autonomy dial and the risk tier demand; refusals return now, approvals are collected
        // so that an input the schema or a rule refuses is never sent to a human.
        var required = 0;
        var requiredBy = BuiltInRules.Autonomy;
        string? requiredReason = null;
        var proposal = false;
        switch (bundle.Autonomy)
        {
            case Autonomy.Observe when tier > 0 || write:
                return Decision.Deny(BuiltInRules.Autonomy,
                    $"Autonomy is observe: only risk tier 0 read calls are allowed, and '{tool.Definition.Name}' is tier {tier} ({actionName}).");
            case Autonomy.Draft when write:
                proposal = true;
                break;
            case Autonomy.Approve when write:
                required = 1;
                requiredReason = $"Autonomy is approve: the {actionName} call on '{tool.Definition.Name}' needs one human approval.";
                break;
        }

        if (bundle.Autonomy != Autonomy.Observe && tier >= 3)
        {
            var byTier = tier >= 4 ? 2 : 1;
            if (byTier > required)
            {
                required = byTier;
                requiredReason = tier >= 4
                    ? $"'{tool.Definition.Name}' is risk tier 4 (irreversible or regulated): it needs two distinct human approvers."
                    : $"'{tool.Definition.Name}' is risk tier 3 (high impact): it needs one human approval.";
            }
        }

        if (tool.Schema is { } schema)
        {
            var errors = schema.Validate(call.Input);
            if (errors.Count > 0)
            {
                return Decision.Invalid(
                    $"The input of '{tool.Definition.Name}' does not match its schema ({errors.Count} error{(errors.Count == 1 ? "" : "s")}, first at '{errors[0].Pointer}': {errors[0].Message}).",
                    errors);
            }
        }

        if (tool.Rules.Count > 0)
        {
            // One activation for every rule: the input is read in place, and converted for the interpreter
            // only if a rule needs it.
            var activation = new RuleActivation(call.Input, run, tool.ToolVariable(call.Action), policy.ModelsVariable) { Request = RuleActivation.RequestVariable(call.Intent, call.Reason) };
            foreach (var program in tool.Rules)
            {
                var outcome = program.Evaluate(activation);
                if (outcome.Passed)
                {
                    continue;
                }

                var rule = program.Rule;
                var reason = RuleReason(rule.Id, rule.Message, outcome.Error);
                switch (rule.OnFail)
                {
                    case RuleAction.Deny:
                        return Decision.Deny(rule.Id, reason);
                    case RuleAction.BlockAndAlert:
                        return Decision.Deny(rule.Id, reason, alert: true);
                    case RuleAction.Escalate when required < 1:
                        required = 1;
                        requiredBy = rule.Id;
                        requiredReason = reason + " A human must approve the call.";
                        break;
                }
            }
        }

        if (proposal)
        {
            return Decision.Proposal($"Autonomy is draft: the {actionName} call on '{tool.Definition.Name}' is recorded as a proposal and not executed.");
        }

        if (required > 0 && CountDistinct(call.Approvers) < required)
        {
            return Decision.NeedsApproval(requiredBy, requiredReason!, required);
        }

        return Decision.Allow(required > 0 ? $"Allowed with {required} approval{(required == 1 ? "" : "s")}." : "Allowed by policy.");
    }

    private static string RuleReason(string id, string? message, string? evaluationError)
    {
        var text = string.IsNullOrWhiteSpace(message) ? $"Policy rule '{id}' failed." : message.Trim();
        if (!text.EndsWith('.'))
        {
            text += ".";
        }

        return evaluationError is null
            ? text
            : $"{text[..^1]} (the condition could not be evaluated, so the rule fails closed: {evaluationError.TrimEnd('.')}).";
    }

    private static int CountDistinct(IReadOnlyCollection<string> approvers) =>
        approvers.Count <= 1 ? approvers.Count : approvers.Distinct(StringComparer.Ordinal).Count();
}
