using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>Prometheus stopped mid-analysis; its own environment, because the test stops that environment's Prometheus.</summary>
[Collection(NodeLanes.Rollouts)]
public sealed class CanaryPrometheusOutageTests(RolloutEnvironment environment) : IClassFixture<RolloutEnvironment>
{
    [Fact]
    public async Task Prometheus_stopped_mid_analysis_is_inconclusive_with_no_promotion_and_no_rollback()
    {
        await using var op = await environment.StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment);
        // Steps long enough that the canary cannot finish before the outage is seen (with 6 s steps a first successful
        // run seen late under load could be followed by the promotion before Prometheus stops).
        var rollout = RolloutScenario.Rollout(inconclusiveLimit: 1, pauseSeconds: 120);
        var first = await scenario.StartStableAsync(Behaviour.Good(1), rollout);
        await scenario.ApplyAsync(scenario.Yaml(Behaviour.Good(2), rollout));
        var analysed = await scenario.WaitAsync(w => w.Status?.LastAnalysis is { Verdict: Verdict.Successful }, TimeSpan.FromSeconds(90), "a first successful analysis run");
        var canary = analysed.Status!.CanaryRevision!;

        await environment.Prometheus.StopAsync();

        var paused = await scenario.WaitAsync(w => w.Status?.InconclusiveRuns >= 1, TimeSpan.FromSeconds(30), "an inconclusive analysis run");
        Assert.Equal("Paused", paused.Status!.Phase);
        Assert.True(paused.Status.Paused);
        Assert.Equal(Verdict.Inconclusive, paused.Status.LastAnalysis!.Verdict);
        var step = paused.Status.CurrentStep;

        // Past inconclusiveLimit: Degraded, still neither promoted nor rolled back.
        var degraded = await scenario.WaitAsync(w => w.Status?.InconclusiveRuns >= 2, TimeSpan.FromSeconds(30), "a second inconclusive run");
        var condition = Assert.Single(degraded.Status!.Conditions!, c => c.Type == ConditionTypes.Degraded);
        Assert.Equal(ConditionStatus.True, condition.Status);
        Assert.Equal(WorkflowReasons.AnalysisInconclusive, condition.Reason);

        await Task.Delay(TimeSpan.FromSeconds(RolloutScenario.IntervalSeconds * 2));
        var later = await scenario.GetAsync();
        Assert.Equal(first, later.Status!.StableRevision);
        Assert.Equal(canary, later.Status.CanaryRevision);
        Assert.Equal(step, later.Status.CurrentStep);
        Assert.Null(later.Status.FailedRevision);
        Assert.DoesNotContain(later.Status.History!, h => h.Revision == canary);
        Assert.DoesNotContain(later.Status.Conditions!, c => c.Type == ConditionTypes.RolledBack && c.Status == ConditionStatus.True);
        Assert.Equal(0, await op.MetricAsync($"agentoperator_rollbacks_total{{namespace=\"{scenario.Namespace}\",workflow=\"{scenario.Name}\"}}"));
        Assert.True(await op.MetricAsync($"agentoperator_analysis_inconclusive_runs{{namespace=\"{scenario.Namespace}\",workflow=\"{scenario.Name}\"}}") >= 2);
    }
}
