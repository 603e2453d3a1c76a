using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Policy.Replay;

/// <summary>
/// Re-decides recorded calls under another bundle, purely: the run budget is checked against the recorded
/// counters, then the policy stages run as in the gateway. Rate limits depend on traffic, not policy,
/// so they are not replayed: a recorded RateLimited call is compared by its policy decision only.
/// </summary>
public static class PolicyReplay
{
    /// <summary>The decision <paramref name="policy"/> makes on the recorded call.</summary>
    public static Decision Redecide(CompiledPolicy policy, RecordedToolCall call)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(call);
        var limits = policy.Bundle.Budgets;
        // The recorded counters are judged against the other bundle's budgets; the old termination reason is not,
        // since it came from the old budgets.
        var exceeded = BudgetCheck.FirstExceeded(limits, call.Run.Usage + Usage.OneToolCall, call.Run.ElapsedSeconds);
        if (exceeded is not null)
        {
            return Decision.BudgetExceeded(exceeded, BudgetCheck.Describe(exceeded, limits));
        }

        return DecisionPipeline.Decide(policy, new ToolCallRequest(call.Tool, call.Action, call.Input) { Approvers = call.Approvers, Intent = call.Intent, Reason = call.Reason }, call.Run);
    }

    /// <summary>Every recorded call whose decision (kind or rule) would change under <paramref name="policy"/>.</summary>
    public static IReadOnlyList<DecisionChange> Changes(CompiledPolicy policy, IEnumerable<RecordedToolCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var changes = new List<DecisionChange>();
        var index = 0;
        foreach (var call in calls)
        {
            var replayed = Redecide(policy, call);
            var unchanged = call.RecordedKind == DecisionKind.RateLimited
                ? replayed.Kind == DecisionKind.Allow
                : replayed.Kind == call.RecordedKind && replayed.RuleId == call.RecordedRuleId;
            if (!unchanged)
            {
                changes.Add(new DecisionChange(index, call, replayed));
            }

            index++;
        }

        return changes;
    }
}
