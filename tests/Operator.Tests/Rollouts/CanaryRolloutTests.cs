using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Workflows;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>
/// End to end on DevCluster: real gateways and sample agents in every pod, real Prometheus scraping them, the operator
/// querying it. Each test rolls a second revision out next to a first one that is stable and Ready.
/// </summary>
[Collection(NodeLanes.Rollouts)]
public sealed class CanaryRolloutTests(RolloutEnvironment environment, ITestOutputHelper output) : IClassFixture<RolloutEnvironment>
{
    private static readonly TimeSpan RolloutBound = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task Good_canary_is_promoted_through_every_step()
    {
        await using var op = await environment.StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment);
        var first = await scenario.StartStableAsync(Behaviour.Good(1), RolloutScenario.Rollout());

        await scenario.ApplyAsync(scenario.Yaml(Behaviour.Good(2), RolloutScenario.Rollout()));
        var weights = new List<int>();
        var promoted = await scenario.WaitAsync(w => w.Status?.StableRevision != first && w.Status?.Phase == "Ready", RolloutBound,
            "the canary is promoted", w => Record(weights, w));

        var second = promoted.Status!.StableRevision!;
        Assert.Equal([25, 50], weights.Distinct().Where(w => w > 0).ToList());
        Assert.Null(promoted.Status.CanaryRevision);
        Assert.Null(promoted.Status.FailedRevision);
        Assert.Equal(Verdict.Successful, promoted.Status.LastAnalysis?.Verdict);
        Assert.Equal(second, promoted.Status.LastAnalysis?.Revision);
        Assert.Contains(promoted.Status.History!, h => h.Revision == second && h.Outcome == RevisionOutcome.Promoted);
        Assert.DoesNotContain(promoted.Status.History!, h => h.Outcome == RevisionOutcome.RolledBack);

        // The old revision is scaled down and its identity removed, so its tokens stop validating.
        await scenario.WaitAsync(_ => scenario.DeploymentAsync(first).Result is null, TimeSpan.FromSeconds(30), $"revision {first}'s Deployment is deleted");
        var accounts = await scenario.Client.CoreV1.ListNamespacedServiceAccountAsync(scenario.Namespace);
        Assert.DoesNotContain(accounts.Items, a => a.Metadata.Annotations?.TryGetValue("agentoperator.io/revision", out var r) == true && r == first);
        Assert.Equal(2, (await scenario.DeploymentAsync(second))!.Spec.Replicas);
    }

    [Fact]
    public async Task Canary_rolls_back_when_escalation_rate_breaches()
    {
        await using var op = await environment.StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment);
        var first = await scenario.StartStableAsync(Behaviour.Good(1), RolloutScenario.Rollout());

        await scenario.ApplyAsync(scenario.Yaml(new Behaviour(0.9, 3), RolloutScenario.Rollout()));
        var canary = (await scenario.WaitAsync(w => w.Status?.CanaryRevision is not null, TimeSpan.FromSeconds(30), "a canary starts")).Status!.CanaryRevision!;
        var (visible, rolledBackAt) = await MeasureBreachToRollbackAsync(scenario, canary);
        output.WriteLine($"breach visible in Prometheus -> rollback complete: {(rolledBackAt - visible).TotalMilliseconds:F0} ms (analysis interval {RolloutScenario.IntervalSeconds} s)");

        var rolledBack = await scenario.GetAsync();
        var status = rolledBack.Status!;
        Assert.Equal("RolledBack", status.Phase);
        Assert.Equal(first, status.StableRevision);
        Assert.Equal(canary, status.FailedRevision);
        Assert.Null(status.CanaryRevision);
        var condition = Assert.Single(status.Conditions!, c => c.Type == ConditionTypes.RolledBack);
        Assert.Equal(ConditionStatus.True, condition.Status);
        Assert.Equal(WorkflowReasons.AnalysisFailed, condition.Reason);
        Assert.Contains("maxEscalationRate", condition.Message, StringComparison.Ordinal);
        Assert.Contains("0.3", condition.Message, StringComparison.Ordinal);
        Assert.Contains(status.History!, h => h.Revision == canary && h.Outcome == RevisionOutcome.RolledBack && h.Reason!.Contains("maxEscalationRate", StringComparison.Ordinal));
        var escalation = Assert.Single(status.LastAnalysis!.Metrics!, m => m.Name == "maxEscalationRate");
        Assert.Equal(Verdict.Failed, escalation.Verdict);
        Assert.True(double.Parse(escalation.Value!, CultureInfo.InvariantCulture) > RolloutScenario.MaxEscalationRate, escalation.Value);
        // The analysis history ends with the failing run and keeps the canary's runs before it, for the console's chart.
        Assert.Equal((status.LastAnalysis.Time, Verdict.Failed), (status.AnalysisHistory![^1].Time, status.AnalysisHistory[^1].Verdict));
        Assert.All(status.AnalysisHistory, r => Assert.Equal(canary, r.Revision));

        var warning = await BoundedWaitForEventAsync(scenario, e => e.Reason == WorkflowReasons.RolledBack && e.Type == "Warning");
        Assert.Contains("maxEscalationRate", warning.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await scenario.DeploymentAsync(canary))!.Spec.Replicas);
        await op.MetricReachesAsync($"agentoperator_rollbacks_total{{namespace=\"{scenario.Namespace}\",workflow=\"{scenario.Name}\"}}", 1);

        // Not retried, not rolled back twice, while the spec stays the same.
        await Task.Delay(TimeSpan.FromSeconds(RolloutScenario.IntervalSeconds * 2));
        var later = await scenario.GetAsync();
        Assert.Equal(canary, later.Status!.FailedRevision);
        Assert.Null(later.Status.CanaryRevision);
        Assert.Single(later.Status.History!, h => h.Outcome == RevisionOutcome.RolledBack);
        await op.MetricReachesAsync($"agentoperator_rollbacks_total{{namespace=\"{scenario.Namespace}\",workflow=\"{scenario.Name}\"}}", 1);

        // agentoperator.io/retry rolls the same revision out again, once.
        await scenario.AnnotateAsync(WorkflowAnnotations.Retry, "retry-1");
        var retried = await scenario.WaitAsync(w => w.Status?.CanaryRevision == canary && w.Status.HandledRetry == "retry-1", TimeSpan.FromSeconds(30), "the retry starts the canary again");
        Assert.Null(retried.Status!.FailedRevision);
    }

    [Fact]
    public async Task Canary_whose_eval_job_fails_never_gets_traffic()
    {
        await using var op = await environment.StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment);
        const string evaluation = "{image: 'ghcr.io/agentoperator/sample-agent:0.1.0', args: [eval, --cases=10], minPassRate: 0.9, timeoutSeconds: 120}";
        var first = await scenario.StartStableAsync(Behaviour.Good(1), RolloutScenario.Rollout(evaluation: evaluation));

        await scenario.ApplyAsync(scenario.Yaml(new Behaviour(0.05, 4, EvalPassRate: 0.4), RolloutScenario.Rollout(evaluation: evaluation)));
        var weights = new List<int>();
        var canaryReplicas = new List<int>();
        var rolledBack = await scenario.WaitAsync(w => w.Status?.FailedRevision is not null, RolloutBound, "the canary is rolled back on its eval Job",
            w =>
            {
                Record(weights, w);
                if (w.Status?.CanaryRevision is { } canary && scenario.DeploymentAsync(canary).Result is { } deployment)
                {
                    canaryReplicas.Add(deployment.Spec.Replicas ?? 0);
                }
            });

        var status = rolledBack.Status!;
        Assert.All(weights, w => Assert.Equal(0, w));
        Assert.All(canaryReplicas, r => Assert.Equal(0, r));
        Assert.Equal(first, status.StableRevision);
        Assert.Equal(EvaluationPhase.Failed, status.Evaluation?.Phase);
        Assert.Equal(0.4, status.Evaluation?.PassRate);
        var condition = Assert.Single(status.Conditions!, c => c.Type == ConditionTypes.RolledBack);
        Assert.Equal(WorkflowReasons.EvaluationFailed, condition.Reason);
        Assert.Contains("0.9", condition.Message, StringComparison.Ordinal);
        Assert.Null(status.LastAnalysis);
    }

    [Fact]
    public async Task Canary_whose_pods_never_become_ready_is_rolled_back_at_the_progress_deadline()
    {
        await using var op = await environment.StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment);
        var rollout = RolloutScenario.Rollout(progressDeadlineSeconds: 30);
        var first = await scenario.StartStableAsync(Behaviour.Good(1), rollout);

        // An escalation rate the sample agent cannot parse: its container exits at start, so no canary pod is ever ready.
        var broken = scenario.Yaml(Behaviour.Good(7), rollout).Replace("value: \"0.05\"", "value: \"often\"", StringComparison.Ordinal);
        await scenario.ApplyAsync(broken);
        var rolledBack = await scenario.WaitAsync(w => w.Status?.FailedRevision is not null, RolloutBound, "the canary is rolled back at its progress deadline");

        var status = rolledBack.Status!;
        Assert.Equal(first, status.StableRevision);
        var condition = Assert.Single(status.Conditions!, c => c.Type == ConditionTypes.RolledBack);
        Assert.Equal(WorkflowReasons.ProgressDeadlineExceeded, condition.Reason);
        Assert.Contains("30 s", condition.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await scenario.DeploymentAsync(status.FailedRevision!))!.Spec.Replicas);
        Assert.Equal("Ready", (await scenario.WaitAsync(w => w.Status?.Conditions?.Any(c => c.Type == ConditionTypes.Ready && c.Status == ConditionStatus.True) == true,
            TimeSpan.FromSeconds(10), "the stable revision still serves")).Status!.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Type);
    }

    [Fact]
    public async Task Promote_annotation_set_with_kubectl_skips_the_remaining_steps_and_acts_only_on_the_named_revision()
    {
        await using var op = await environment.StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment);
        var rollout = RolloutScenario.Rollout(pauseSeconds: 3600);
        var first = await scenario.StartStableAsync(Behaviour.Good(1), rollout);
        await scenario.ApplyAsync(scenario.Yaml(Behaviour.Good(9), rollout));
        var canary = (await scenario.WaitAsync(w => w.Status?.CanaryWeight == 25, TimeSpan.FromSeconds(60), "the canary holds its first step")).Status!.CanaryRevision!;
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"rollout-{Guid.NewGuid():N}.kubeconfig");
        environment.Cluster.Server.WriteKubeconfig(kubeconfig, scenario.Namespace);
        try
        {
            // A value naming another revision (e.g. left over in git) does nothing.
            await Kubectl.RunAsync(kubeconfig, "annotate", "aw", scenario.Name, $"{WorkflowAnnotations.Promote}=0000000000", "--overwrite");
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(canary, (await scenario.GetAsync()).Status!.CanaryRevision);

            await Kubectl.RunAsync(kubeconfig, "annotate", "aw", scenario.Name, $"{WorkflowAnnotations.Promote}={canary}", "--overwrite");
            var promoted = await scenario.WaitAsync(w => w.Status?.StableRevision == canary && w.Status.Phase == "Ready", RolloutBound, "the annotation promotes the canary");

            Assert.NotEqual(first, promoted.Status!.StableRevision);
            Assert.Contains(await scenario.EventsAsync(), e => e.Reason == WorkflowReasons.PromotionRequested && e.Message.Contains(canary, StringComparison.Ordinal));
            var shown = await Kubectl.RunAsync(kubeconfig, "get", "aw", scenario.Name, "-o", "jsonpath={.status.stableRevision} {.status.phase}");
            Assert.Equal($"{canary} Ready", shown.Trim());
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task Operator_restarted_mid_rollout_continues_the_same_step_to_the_same_outcome()
    {
        var op = await environment.StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment);
        var first = await scenario.StartStableAsync(Behaviour.Good(1), RolloutScenario.Rollout());
        await scenario.ApplyAsync(scenario.Yaml(Behaviour.Good(5), RolloutScenario.Rollout()));
        var steps = new List<int>();
        var midway = await scenario.WaitAsync(w => w.Status?.CurrentStep == 1, RolloutBound, "the canary reaches its second step", w => RecordStep(steps, w));

        await op.DisposeAsync();
        var stepStartedAt = midway.Status!.StepStartedAt;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var whileDown = await scenario.GetAsync();
        Assert.Equal(1, whileDown.Status!.CurrentStep);
        await using var restarted = await environment.StartOperatorAsync();

        var promoted = await scenario.WaitAsync(w => w.Status?.StableRevision != first && w.Status?.Phase == "Ready", RolloutBound,
            "the restarted operator promotes the canary", w => RecordStep(steps, w));

        Assert.Equal(midway.Status.CanaryRevision, promoted.Status!.StableRevision);
        Assert.Equal(steps.Order().ToList(), steps);
        Assert.Single(promoted.Status.History!, h => h.Revision == promoted.Status.StableRevision && h.Outcome == RevisionOutcome.Promoted);
        Assert.DoesNotContain(promoted.Status.History!, h => h.Outcome is RevisionOutcome.RolledBack or RevisionOutcome.Aborted);
        Assert.NotNull(stepStartedAt);
    }

    [Fact]
    public async Task Gateway_API_weights_follow_the_steps()
    {
        await using var op = await environment.StartOperatorAsync();
        await using var scenario = await RolloutScenario.CreateAsync(environment, "triage-helper");
        await CreateHttpRouteAsync(scenario, "triage-route");
        var rollout = RolloutScenario.Rollout(trafficRouting: "{provider: gatewayAPI, gatewayAPI: {httpRoute: triage-route, port: 80}}");
        var first = await scenario.StartStableAsync(Behaviour.Good(1), rollout);
        Assert.Equal((100, 0), await RouteWeightsAsync(scenario, "triage-route"));

        await scenario.ApplyAsync(scenario.Yaml(Behaviour.Good(6), rollout));
        var routed = new List<(int Stable, int Canary)>();
        await scenario.WaitAsync(w => w.Status?.StableRevision != first && w.Status?.Phase == "Ready", RolloutBound, "the canary is promoted",
            _ =>
            {
                var weights = RouteWeightsAsync(scenario, "triage-route").Result;
                if (routed.Count == 0 || routed[^1] != weights)
                {
                    routed.Add(weights);
                }
            });

        // After promotion the stable Service selects the promoted revision and takes every request.
        Assert.Equal([(100, 0), (75, 25), (50, 50), (100, 0)], routed);
    }

    private static void Record(List<int> weights, AgentWorkflow workflow)
    {
        if (workflow.Status?.CanaryRevision is not null)
        {
            weights.Add(workflow.Status.CanaryWeight ?? 0);
        }
    }

    private static void RecordStep(List<int> steps, AgentWorkflow workflow)
    {
        if (workflow.Status?.CurrentStep is { } step && workflow.Status.CanaryRevision is not null)
        {
            steps.Add(step);
        }
    }

    /// <summary>When the canary's escalation rate first exceeds the threshold in Prometheus, and when status shows the rollback.</summary>
    private async Task<(DateTime Visible, DateTime RolledBack)> MeasureBreachToRollbackAsync(RolloutScenario scenario, string canary)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // The very query the analysis runs, so "visible" means visible to the operator.
        var query = AgentMetricQueries.For(AgentMeasure.EscalationRate, new RevisionScope(scenario.Namespace, scenario.Name, canary, TimeSpan.FromSeconds(30))).Value;
        DateTime? visible = null;
        var deadline = DateTime.UtcNow + RolloutBound;
        while (DateTime.UtcNow < deadline)
        {
            if (visible is null && await InstantValueAsync(http, query) > RolloutScenario.MaxEscalationRate)
            {
                visible = DateTime.UtcNow;
            }

            var workflow = await scenario.GetAsync();
            if (workflow.Status?.FailedRevision == canary)
            {
                var done = DateTime.UtcNow;
                Assert.True(visible is not null, "the rollback came before the breach was visible in Prometheus");
                return (visible.Value, done);
            }

            await Task.Delay(50);
        }

        Assert.Fail($"no rollback within {RolloutBound.TotalSeconds} s (breach visible: {visible?.ToString("O") ?? "never"}); status:\n{RolloutScenario.Describe(await scenario.GetAsync())}");
        return default;
    }

    private async Task<double?> InstantValueAsync(HttpClient http, string query)
    {
        var body = await http.GetStringAsync(new Uri(environment.Prometheus.Address, $"/api/v1/query?query={Uri.EscapeDataString(query)}"));
        var result = JsonNode.Parse(body)?["data"]?["result"]?.AsArray();
        return result is { Count: > 0 } && result[0]?["value"]?[1]?.GetValue<string>() is { } text
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static async Task<Corev1Event> BoundedWaitForEventAsync(RolloutScenario scenario, Func<Corev1Event, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var events = await scenario.EventsAsync();
            if (events.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "no matching Event; Events: " + string.Join("; ", events.Select(e => $"{e.Type} {e.Reason}: {e.Message}")));
            await Task.Delay(100);
        }
    }

    private static async Task CreateHttpRouteAsync(RolloutScenario scenario, string name)
    {
        var route = new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "HTTPRoute",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = scenario.Namespace },
            ["spec"] = new JsonObject
            {
                ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "public-gateway" }),
                ["rules"] = new JsonArray(new JsonObject
                {
                    ["backendRefs"] = new JsonArray(
                        new JsonObject { ["name"] = $"{scenario.Name}-stable", ["port"] = 80, ["weight"] = 100 },
                        new JsonObject { ["name"] = $"{scenario.Name}-canary", ["port"] = 80, ["weight"] = 0 }),
                }),
            },
        };
        await scenario.Client.CustomObjects.CreateNamespacedCustomObjectAsync(route, "gateway.networking.k8s.io", "v1", scenario.Namespace, "httproutes");
    }

    private static async Task<(int Stable, int Canary)> RouteWeightsAsync(RolloutScenario scenario, string name)
    {
        var route = await scenario.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("gateway.networking.k8s.io", "v1", scenario.Namespace, "httproutes", name);
        var refs = route.GetProperty("spec").GetProperty("rules")[0].GetProperty("backendRefs").EnumerateArray().ToList();
        int Weight(string service) => refs.Single(r => r.GetProperty("name").GetString() == service).GetProperty("weight").GetInt32();
        return (Weight($"{scenario.Name}-stable"), Weight($"{scenario.Name}-canary"));
    }
}
