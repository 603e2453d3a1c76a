using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>
/// Dev mode where Prometheus is not installed, end to end: the workflows name an in-cluster Prometheus, and the operator
/// analyses them through the web provider against dev mode's aggregator of the in-process gateways. The aggregates are
/// cumulative per gateway, not windowed, so a canary's escalation rate is its rate since its pods started.
/// </summary>
public sealed class CanaryRolloutThroughGatewayAggregatesTests(GatewayAggregatesRolloutEnvironment environment) : IClassFixture<GatewayAggregatesRolloutEnvironment>
{
    private static readonly TimeSpan RolloutBound = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task Good_canary_analysed_through_the_aggregates_is_promoted()
    {
        Assert.NotNull(environment.Analysis.WebUrlOverride);
        Assert.Null(environment.Analysis.PrometheusAddressOverride);
        await using var op = await environment.StartOperatorAsync();
        var scenario = await RolloutScenario.CreateAsync(environment);
        var first = await scenario.StartStableAsync(Behaviour.Good(1), RolloutScenario.Rollout());

        await scenario.ApplyAsync(scenario.Yaml(Behaviour.Good(2), RolloutScenario.Rollout()));
        var promoted = await scenario.WaitAsync(w => w.Status?.StableRevision != first && w.Status?.Phase == "Ready", RolloutBound, "the canary is promoted");

        var second = promoted.Status!.StableRevision!;
        Assert.Equal(Verdict.Successful, promoted.Status.LastAnalysis?.Verdict);
        Assert.Equal(second, promoted.Status.LastAnalysis?.Revision);
        var escalation = Assert.Single(promoted.Status.LastAnalysis!.Metrics!, m => m.Name == "maxEscalationRate");
        Assert.True(double.Parse(escalation.Value!, CultureInfo.InvariantCulture) <= RolloutScenario.MaxEscalationRate, escalation.Value);
        Assert.Contains(promoted.Status.History!, h => h.Revision == second && h.Outcome == RevisionOutcome.Promoted);
        Assert.DoesNotContain(promoted.Status.History!, h => h.Outcome == RevisionOutcome.RolledBack);
    }

    [Fact]
    public async Task Canary_escalating_nine_runs_in_ten_is_rolled_back_on_the_aggregates()
    {
        await using var op = await environment.StartOperatorAsync();
        var scenario = await RolloutScenario.CreateAsync(environment);
        var first = await scenario.StartStableAsync(Behaviour.Good(1), RolloutScenario.Rollout());

        await scenario.ApplyAsync(scenario.Yaml(new Behaviour(0.9, 3), RolloutScenario.Rollout()));
        var canary = (await scenario.WaitAsync(w => w.Status?.CanaryRevision is not null, TimeSpan.FromSeconds(30), "a canary starts")).Status!.CanaryRevision!;
        var rolledBack = await scenario.WaitAsync(w => w.Status?.FailedRevision is not null, RolloutBound, "the canary is rolled back");

        var status = rolledBack.Status!;
        Assert.Equal("RolledBack", status.Phase);
        Assert.Equal(first, status.StableRevision);
        Assert.Equal(canary, status.FailedRevision);
        var condition = Assert.Single(status.Conditions!, c => c.Type == ConditionTypes.RolledBack);
        Assert.Equal(ConditionStatus.True, condition.Status);
        Assert.Equal(WorkflowReasons.AnalysisFailed, condition.Reason);
        Assert.Contains("maxEscalationRate", condition.Message, StringComparison.Ordinal);
        var escalation = Assert.Single(status.LastAnalysis!.Metrics!, m => m.Name == "maxEscalationRate");
        Assert.Equal(Verdict.Failed, escalation.Verdict);
        Assert.True(double.Parse(escalation.Value!, CultureInfo.InvariantCulture) > RolloutScenario.MaxEscalationRate, escalation.Value);
        await op.MetricReachesAsync($"agentoperator_rollbacks_total{{namespace=\"{scenario.Namespace}\",workflow=\"{scenario.Name}\"}}", 1);
    }
}
