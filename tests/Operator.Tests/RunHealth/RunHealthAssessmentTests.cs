using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.RunHealth;

namespace AgentOperator.Operator.Tests.RunHealth;

public sealed class RunHealthAssessmentTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

    private static RunActivity Activity(Dictionary<string, double>? runs = null, Dictionary<string, double>? rules = null, Dictionary<string, double>? tools = null, double cost = 0, bool windowed = true,
        double escalations = 0) =>
        new(runs ?? [], rules ?? [], tools ?? [], escalations, cost, windowed);

    [Fact]
    public void Every_run_failing_on_an_undeclared_role_is_RunsFailing_with_the_share_and_the_rule()
    {
        var assessment = RunHealthAssessment.Of(Activity(new() { [RunOutcomes.Failed] = 12 }, new() { ["model-role"] = 12, ["autonomy"] = 1 }), FiveMinutes, Now);

        Assert.Equal(ConditionStatus.False, assessment.Status);
        Assert.Equal(RunHealthAssessment.RunsFailing, assessment.Reason);
        Assert.Equal("12 of 12 runs failed in 5 m: 12 call(s) refused, rule model-role: a model call named a role the workflow does not declare in spec.models", assessment.Message);
        Assert.Equal(12, assessment.Summary.Failed);
        Assert.Equal(13, assessment.Summary.RefusedCalls);
        Assert.Null(assessment.Summary.CostPerSuccessUsd);
        Assert.Equal(300, assessment.Summary.WindowSeconds);
        Assert.Equal(Now, assessment.Summary.ObservedAt);
    }

    [Fact]
    public void Budget_exceeded_runs_count_as_failed_and_half_failing_is_enough()
    {
        var assessment = RunHealthAssessment.Of(Activity(new() { [RunOutcomes.Success] = 2, [RunOutcomes.BudgetExceeded] = 2 }, new() { ["maxToolCalls"] = 2 }, cost: 0.5), FiveMinutes, Now);

        Assert.Equal(ConditionStatus.False, assessment.Status);
        Assert.Equal("2 of 4 runs failed in 5 m: 2 call(s) refused, rule maxToolCalls: the run budget maxToolCalls was exhausted", assessment.Message);
        Assert.Equal("0.25", assessment.Summary.CostPerSuccessUsd);
    }

    [Fact]
    public void Mostly_successful_runs_are_healthy_and_name_the_most_frequent_refusal()
    {
        var assessment = RunHealthAssessment.Of(Activity(new() { [RunOutcomes.Success] = 9, [RunOutcomes.Escalated] = 2, [RunOutcomes.Failed] = 1 }, tools: new() { ["crm.update"] = 3 }, cost: 0.09), FiveMinutes, Now);

        Assert.Equal(ConditionStatus.True, assessment.Status);
        Assert.Equal("1 of 12 runs failed in 5 m; most frequent refusal: 3 call(s) refused, tool 'crm.update': calls fail upstream (an endpoint unreachable, a timeout or a missing credential)", assessment.Message);
        Assert.Equal(2, assessment.Summary.Escalated);
        Assert.Equal("0.01", assessment.Summary.CostPerSuccessUsd);
    }

    [Fact]
    public void Refusals_while_no_run_completes_are_CallsRefused()
    {
        var assessment = RunHealthAssessment.Of(Activity(rules: new() { ["kill-switch"] = 7 }), FiveMinutes, Now);

        Assert.Equal(ConditionStatus.False, assessment.Status);
        Assert.Equal(RunHealthAssessment.CallsRefused, assessment.Reason);
        Assert.Equal("no run completed in 5 m while 7 call(s) were refused: 7 call(s) refused, rule kill-switch: the kill switch denies every write", assessment.Message);
    }

    [Fact]
    public void Calls_waiting_for_a_human_approval_while_no_run_completes_are_healthy_AwaitingApproval()
    {
        var assessment = RunHealthAssessment.Of(Activity(escalations: 4), FiveMinutes, Now);

        Assert.Equal(ConditionStatus.True, assessment.Status);
        Assert.Equal(RunHealthAssessment.AwaitingApproval, assessment.Reason);
        Assert.Equal("no run completed in 5 m; 4 call(s) escalated to a human approval (kubectl agents approvals)", assessment.Message);
        Assert.Equal((4, 0), (assessment.Summary.EscalatedCalls, assessment.Summary.RefusedCalls));
    }

    [Fact]
    public void A_refused_call_next_to_escalations_is_still_CallsRefused()
    {
        var assessment = RunHealthAssessment.Of(Activity(rules: new() { ["refund-limit"] = 1 }, escalations: 4), FiveMinutes, Now);

        Assert.Equal(ConditionStatus.False, assessment.Status);
        Assert.Equal(RunHealthAssessment.CallsRefused, assessment.Reason);
        Assert.Equal((4, 1), (assessment.Summary.EscalatedCalls, assessment.Summary.RefusedCalls));
    }

    [Fact]
    public void No_traffic_is_unknown_and_totals_since_start_say_so()
    {
        var assessment = RunHealthAssessment.Of(Activity(windowed: false), FiveMinutes, Now);

        Assert.Equal(ConditionStatus.Unknown, assessment.Status);
        Assert.Equal("no run completed since the gateways started", assessment.Message);
        Assert.Equal(0, assessment.Summary.WindowSeconds);
    }

    [Fact]
    public void A_custom_rule_and_an_unknown_tool_are_named_without_agent_chosen_text()
    {
        var causes = RefusalCause.From(new Dictionary<string, double> { ["refund-limit"] = 2 }, new Dictionary<string, double> { [AgentMetrics.Labels.UnknownTool] = 5, [RunActivity.AnyTool] = 1 });

        Assert.Equal(["rule refund-limit: policy rule 'refund-limit' refused the call", "tool calls fail upstream: an endpoint unreachable, a timeout or a missing credential"],
            causes.Select(c => c.Sentence));
    }
}
