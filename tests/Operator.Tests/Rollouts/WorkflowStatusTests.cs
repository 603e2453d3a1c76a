using System.Text.RegularExpressions;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Workflows;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>
/// What <c>kubectl get aw</c> and the workflow's status say, end to end: real gateways and sample agents on DevCluster,
/// real Prometheus scraping them, the operator reading run outcomes from it, and the real kubectl printing the columns.
/// </summary>
[Collection(NodeLanes.Rollouts)]
public sealed partial class WorkflowStatusTests(RolloutEnvironment environment, ITestOutputHelper output) : IClassFixture<RolloutEnvironment>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private Task<OperatorInstance> StartOperatorAsync() =>
        OperatorInstance.StartAsync(environment.Cluster.OperatorConfiguration, analysis: environment.Analysis with { RunHealthInterval = TimeSpan.FromSeconds(2) });

    [Fact]
    public async Task Runs_failing_on_an_undeclared_model_role_turn_RunsHealthy_false_with_the_share_and_the_rule_and_get_aw_shows_it()
    {
        await using var op = await StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment, "planner-missing");
        // The agent asks for a planner the workflow never declared: the gateway refuses every such call, every run fails.
        await scenario.ApplyAsync(scenario.Yaml(Behaviour.Good(1) with { Roles = "planner,executor" }, "    trafficRouting: {provider: replicas}"));

        var failing = await scenario.WaitAsync(w => w.Status?.Phase == WorkflowPhases.RunsFailing && w.Status.Runs?.Total >= 4, Bound,
            "the workflow's runs are reported failing", w => output.WriteLine(RolloutScenario.Describe(w)));

        var condition = failing.Status!.Conditions!.Single(c => c.Type == ConditionTypes.RunsHealthy);
        Assert.Equal(ConditionStatus.False, condition.Status);
        Assert.Equal("RunsFailing", condition.Reason);
        Assert.Matches(ShareOfFailedRuns(), condition.Message);
        Assert.EndsWith("call(s) refused, rule model-role: a model call named a role the workflow does not declare in spec.models", condition.Message, StringComparison.Ordinal);
        Assert.Equal(ConditionStatus.True, failing.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Status);
        Assert.Equal(failing.Status.Runs!.Total, failing.Status.Runs.Failed);
        Assert.Equal(300, failing.Status.Runs.WindowSeconds);

        // One Event per refusal cause whose count grows, not one Event per reading.
        var events = await WaitForEventsAsync(scenario, e => e.Reason == "CallsRefused" && e.Count >= 3);
        var refused = Assert.Single(events, e => e.Reason == "CallsRefused");
        Assert.Equal("Warning", refused.Type);
        Assert.Equal("rule model-role: a model call named a role the workflow does not declare in spec.models", refused.Message);

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"status-{Guid.NewGuid():N}.kubeconfig");
        environment.Cluster.Server.WriteKubeconfig(kubeconfig, scenario.Namespace);
        try
        {
            var table = await Kubectl.RunAsync(kubeconfig, "get", "aw");
            output.WriteLine(table);
            var (header, row) = HeaderAndRow(table);
            Assert.Equal(["NAME", "AUTONOMY", "STABLE", "CANARY", "WEIGHT", "STEP", "PHASE", "REASON", "KILL", "AGE"], header);
            Assert.Equal(["planner-missing", "auto", failing.Status.StableRevision!, "", "", "", "RunsFailing", "RunsFailing", "false"], row[..^1]);

            var wide = HeaderAndRow(await Kubectl.RunAsync(kubeconfig, "get", "aw", "-o", "wide"));
            Assert.Equal(["NAME", "AUTONOMY", "STABLE", "CANARY", "WEIGHT", "STEP", "PHASE", "REASON", "KILL", "READY", "COST/SUCCESS", "AGE"], wide.Header);
            Assert.Equal("2/2", wide.Row[9]);
            Assert.Equal("", wide.Row[10]); // no run succeeded, so there is no cost per success
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task Healthy_runs_keep_the_phase_Ready_and_get_aw_wide_shows_the_cost_per_success()
    {
        await using var op = await StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment, "healthy");
        await scenario.ApplyAsync(scenario.Yaml(Behaviour.Good(2), "    trafficRouting: {provider: replicas}"));

        // Runs start as soon as a pod is Ready, so they may be healthy before the revision is Available: wait for both.
        var healthy = await scenario.WaitAsync(w => w.Status?.Conditions?.Any(c => c.Type == ConditionTypes.RunsHealthy && c.Status == ConditionStatus.True) == true
            && w.Status.Runs?.CostPerSuccessUsd is not null && w.Status.Phase == WorkflowPhases.Ready, Bound, "the workflow's runs are reported healthy and it is Ready",
            w => output.WriteLine(RolloutScenario.Describe(w)));

        Assert.Equal(WorkflowPhases.Ready, healthy.Status!.Phase);
        Assert.Equal(WorkflowReasons.RevisionAvailable, healthy.Status.Reason);
        Assert.True(decimal.Parse(healthy.Status.Runs!.CostPerSuccessUsd!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"status-{Guid.NewGuid():N}.kubeconfig");
        environment.Cluster.Server.WriteKubeconfig(kubeconfig, scenario.Namespace);
        try
        {
            var (_, row) = HeaderAndRow(await Kubectl.RunAsync(kubeconfig, "get", "aw", "-o", "wide"));
            Assert.Equal("Ready", row[6]);
            Assert.Equal("RevisionAvailable", row[7]);
            Assert.Matches(@"^\d+(\.\d+)?$", row[10]);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task Pause_step_without_a_duration_holds_the_canary_until_kubectl_promotes_it()
    {
        await using var op = await StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment, "gated");
        const string rollout = """
                steps:
                  - weight: 25
                    pauseSeconds: 1
                  - weight: 50
                    pause: {}
                trafficRouting: {provider: replicas}
            """;
        await scenario.StartStableAsync(Behaviour.Good(1), rollout);
        await scenario.ApplyAsync(scenario.Yaml(Behaviour.Good(3), rollout));

        static bool AwaitingPromotion(AgentWorkflow w) =>
            w.Status?.Conditions?.Any(c => c.Type == ConditionTypes.Progressing && c.Reason == WorkflowReasons.AwaitingPromotion) == true;
        var gated = await scenario.WaitAsync(AwaitingPromotion, Bound, "the canary waits for promotion at its pause step", w => output.WriteLine(RolloutScenario.Describe(w)));
        var canary = gated.Status!.CanaryRevision!;
        Assert.Equal((WorkflowPhases.Paused, "2/2", 50, 1), (gated.Status.Phase, gated.Status.Step, gated.Status.CanaryWeight, gated.Status.CurrentStep));
        Assert.Contains($"waiting for promotion (kubectl agents promote {canary}", gated.Status.Conditions!.Single(c => c.Type == ConditionTypes.Progressing).Message, StringComparison.Ordinal);

        // Far past any step duration the operator would otherwise apply, nothing moves.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var still = await scenario.GetAsync();
        Assert.True(AwaitingPromotion(still), RolloutScenario.Describe(still));
        Assert.Equal(canary, still.Status!.CanaryRevision);

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"status-{Guid.NewGuid():N}.kubeconfig");
        environment.Cluster.Server.WriteKubeconfig(kubeconfig, scenario.Namespace);
        try
        {
            var (header, row) = HeaderAndRow(await Kubectl.RunAsync(kubeconfig, "get", "aw"));
            Assert.Equal(("2/2", "Paused", "AwaitingPromotion", "50"), (row[Array.IndexOf(header, "STEP")], row[Array.IndexOf(header, "PHASE")], row[Array.IndexOf(header, "REASON")], row[Array.IndexOf(header, "WEIGHT")]));

            await Kubectl.RunAsync(kubeconfig, "annotate", "aw", scenario.Name, $"{WorkflowAnnotations.Promote}={canary}", "--overwrite");
            var promoted = await scenario.WaitAsync(w => w.Status?.StableRevision == canary && w.Status.CanaryRevision is null, Bound, "promote continues the canary to stable");
            Assert.Contains(promoted.Status!.History!, h => h.Revision == canary && h.Outcome == RevisionOutcome.Promoted);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    private static async Task<IReadOnlyList<k8s.Models.Corev1Event>> WaitForEventsAsync(RolloutScenario scenario, Func<k8s.Models.Corev1Event, bool> wanted)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var events = await scenario.EventsAsync();
            if (events.Any(wanted))
            {
                return events;
            }

            Assert.True(DateTime.UtcNow < deadline, "no such Event within the bound; Events now:\n" + string.Join("\n", events.Select(e => $"{e.Reason} x{e.Count}: {e.Message}")));
            await Task.Delay(250);
        }
    }

    /// <summary>kubectl's table cut at the header's column starts (an empty cell prints as blanks, so splitting on spaces would shift columns).</summary>
    private static (string[] Header, string[] Row) HeaderAndRow(string table)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var starts = HeaderStart().Matches(lines[0]).Select(m => m.Index).ToArray();
        string[] Cut(string line) => [.. starts.Select((start, i) =>
            start >= line.Length ? "" : line[start..Math.Min(line.Length, i + 1 < starts.Length ? starts[i + 1] : line.Length)].Trim())];
        return (Cut(lines[0]), Cut(lines[1]));
    }

    [GeneratedRegex(@"(?<=^|\s)\S")]
    private static partial Regex HeaderStart();

    [GeneratedRegex(@"^(\d+) of \1 runs failed in 5 m: \d+ call\(s\) refused, rule model-role: ")]
    private static partial Regex ShareOfFailedRuns();
}
