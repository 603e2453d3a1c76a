using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>
/// One workflow in its own namespace on a <see cref="RolloutEnvironment"/>: created from YAML with the sample agent's
/// behaviour in its env, changed to a new revision, and watched through status with bounded waits that fail with the
/// whole rollout state. Disposing it deletes its namespace, so a test class does not pile up every test's gateways and agents.
/// </summary>
internal sealed class RolloutScenario(RolloutEnvironment environment, string @namespace, string name) : IAsyncDisposable
{
    private static readonly TimeSpan PodsGoneBound = TimeSpan.FromSeconds(60);

    public const int IntervalSeconds = 5;
    public const double MaxEscalationRate = 0.3;

    public string Namespace { get; } = @namespace;

    public string Name { get; } = name;

    public Kubernetes Client => environment.Client;

    public static async Task<RolloutScenario> CreateAsync(RolloutEnvironment environment, string name = "refund-helper")
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new RolloutScenario(environment, await environment.CreateNamespaceAsync(), name);
    }

    /// <summary>The workflow's YAML: the sample agent reading tickets, 2 replicas, 2 canary steps, analysis every 5 s.</summary>
    public string Yaml(Behaviour behaviour, string rollout) => $$"""
        apiVersion: agentoperator.io/v1alpha1
        kind: AgentWorkflow
        metadata:
          name: {{Name}}
          namespace: {{Namespace}}
        spec:
          runtime:
            image: ghcr.io/agentoperator/sample-agent:0.1.0
            replicas: 2
            port: 8080
            env:
              - name: SAMPLE_AGENT_ROLES
                value: {{behaviour.Roles}}
              - name: SAMPLE_AGENT_TOOLS
                value: 'crm.read_ticket:read={"ticket_id": "T-104233"}'
              - name: SAMPLE_AGENT_TASKS_PER_MINUTE
                value: "240"
              - name: SAMPLE_AGENT_ESCALATION_RATE
                value: "{{behaviour.EscalationRate.ToString(CultureInfo.InvariantCulture)}}"
              - name: SAMPLE_AGENT_EVAL_PASS_RATE
                value: "{{behaviour.EvalPassRate.ToString(CultureInfo.InvariantCulture)}}"
              - name: SAMPLE_AGENT_EVAL_TASKS
                value: "10"
              - name: SAMPLE_AGENT_SEED
                value: "{{behaviour.Seed}}"
          models:
            executor:
              provider: openai
              model: gpt-4o-2024-08-06
              maxTokensPerCall: 8000
              endpoint: https://api.openai.com/v1
              inputCostPer1kTokensUsd: 0.0025
              outputCostPer1kTokensUsd: 0.01
              credentialsSecretRef:
                name: openai-api-key
                key: api-key
          tools:
            - name: crm.read_ticket
              actions: [read]
          budgets:
            maxToolCalls: 10
          autonomy: auto
          credentials:
            tokenTtlSeconds: 3600
          rollout:
        {{rollout}}
        """;

    /// <summary>
    /// The default rollout: 25 % then 50 %, 6 s each, escalation rate at most 0.3, analysis every 5 s.
    /// <paramref name="trafficRouting"/> and <paramref name="evaluation"/> are YAML flow mappings.
    /// </summary>
    public static string Rollout(string trafficRouting = "{provider: replicas}", string? evaluation = null, int inconclusiveLimit = 2, int progressDeadlineSeconds = 120, int pauseSeconds = 6) => $$"""
            steps:
              - weight: 25
                pauseSeconds: {{pauseSeconds}}
              - weight: 50
                pauseSeconds: {{pauseSeconds}}
            trafficRouting: {{trafficRouting}}
            analysis:
              intervalSeconds: {{IntervalSeconds}}
              windowSeconds: 30
              provider: prometheus
              prometheus:
                address: http://prometheus.monitoring.svc:9090
                timeoutSeconds: 2
              thresholds:
                maxEscalationRate: {{MaxEscalationRate.ToString(CultureInfo.InvariantCulture)}}
              failureLimit: 0
              inconclusiveLimit: {{inconclusiveLimit}}
            progressDeadlineSeconds: {{progressDeadlineSeconds}}
        """ + (evaluation is null ? "" : $"\n    evaluation: {evaluation}");

    /// <summary>Creates or replaces the workflow's spec with <paramref name="yaml"/>.</summary>
    public async Task ApplyAsync(string yaml)
    {
        var desired = KubernetesJson.Deserialize<AgentWorkflow>(YamlReader.Read(yaml).ToJsonString());
        var current = await TryGetAsync();
        if (current is null)
        {
            await Client.CustomObjects.CreateNamespacedCustomObjectAsync(desired, ApiGroup.Group, ApiGroup.Version, Namespace, AgentWorkflow.Plural);
            return;
        }

        var patch = new JsonObject { ["spec"] = JsonNode.Parse(KubernetesJson.Serialize(desired.Spec)) };
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, Namespace, AgentWorkflow.Plural, Name);
    }

    public async Task AnnotateAsync(string key, string value)
    {
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [key] = value } } };
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, Namespace, AgentWorkflow.Plural, Name);
    }

    public async Task<AgentWorkflow> GetAsync() =>
        await TryGetAsync() ?? throw new InvalidOperationException($"AgentWorkflow {Namespace}/{Name} does not exist");

    /// <summary>Polls the workflow until <paramref name="done"/>; every observed status goes to <paramref name="seen"/>.</summary>
    public async Task<AgentWorkflow> WaitAsync(Func<AgentWorkflow, bool> done, TimeSpan timeout, string what, Action<AgentWorkflow>? seen = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var workflow = await GetAsync();
            seen?.Invoke(workflow);
            if (done(workflow))
            {
                return workflow;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"within {timeout.TotalSeconds} s: {what}; status now:\n{Describe(workflow)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the first revision to be stable and Ready; returns it.</summary>
    public async Task<string> StartStableAsync(Behaviour behaviour, string rollout)
    {
        await ApplyAsync(Yaml(behaviour, rollout));
        var ready = await WaitAsync(w => w.Status?.StableRevision is not null && w.Status.Phase == "Ready", TimeSpan.FromSeconds(120), "the first revision becomes stable and Ready");
        return ready.Status!.StableRevision!;
    }

    public async Task<IReadOnlyList<Corev1Event>> EventsAsync() =>
        (await Client.CoreV1.ListNamespacedEventAsync(Namespace)).Items.Where(e => e.InvolvedObject.Name == Name).ToList();

    public async Task<V1Deployment?> DeploymentAsync(string revision)
    {
        var all = await Client.AppsV1.ListNamespacedDeploymentAsync(Namespace);
        return all.Items.SingleOrDefault(d => d.Metadata.Annotations?.TryGetValue("agentoperator.io/revision", out var r) == true && r == revision);
    }

    public static string Describe(AgentWorkflow workflow)
    {
        var status = workflow.Status;
        if (status is null)
        {
            return "(no status)";
        }

        var conditions = string.Join("\n", (status.Conditions ?? []).Select(c => $"  {c.Type}={c.Status} {c.Reason}: {c.Message}"));
        var analysis = status.LastAnalysis is { } run
            ? $"{run.Verdict} at {run.Time:O}: " + string.Join("; ", (run.Metrics ?? []).Select(m => $"{m.Name}={m.Value} ({m.Threshold}) {m.Verdict} {m.Message}"))
            : "none";
        var history = string.Join("\n", (status.History ?? []).Select(h => $"  {h.Revision} {h.Outcome}: {h.Reason}"));
        return $"phase {status.Phase} ({status.Reason}), step {status.Step}, runs {status.Runs?.Failed}/{status.Runs?.Total} failed ({status.Runs?.TopReason}), stable {status.StableRevision}, canary {status.CanaryRevision} step {status.CurrentStep} weight {status.CanaryWeight}, "
            + $"failed {status.FailedRevision}, failedRuns {status.FailedRuns}, inconclusiveRuns {status.InconclusiveRuns}, paused {status.Paused}\n"
            + $"evaluation: {status.Evaluation?.Phase} {status.Evaluation?.PassRate} {status.Evaluation?.Message}\nlast analysis: {analysis}\nconditions:\n{conditions}\nhistory:\n{history}";
    }

    /// <summary>
    /// Deletes the namespace while the test's operator still runs (it removes its finalizer), and waits a bounded time for
    /// the pods' processes to end; a namespace still terminating after that is left to the namespace controller.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await Client.CoreV1.DeleteNamespaceAsync(Namespace, new V1DeleteOptions { PropagationPolicy = "Background" });
        var deadline = DateTime.UtcNow + PodsGoneBound;
        while (DateTime.UtcNow < deadline && (await Client.CoreV1.ListNamespacedPodAsync(Namespace)).Items.Count > 0)
        {
            await Task.Delay(500);
        }
    }

    private async Task<AgentWorkflow?> TryGetAsync()
    {
        try
        {
            return await Client.CustomObjects.GetNamespacedCustomObjectAsync<AgentWorkflow>(ApiGroup.Group, ApiGroup.Version, Namespace, AgentWorkflow.Plural, Name);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}

/// <summary>
/// What the sample agent of a revision does: share of runs escalated, eval pass ratio, its seed (a new seed alone makes a
/// new revision) and the model roles it calls (the workflow declares only executor).
/// </summary>
internal sealed record Behaviour(double EscalationRate, int Seed, double EvalPassRate = 1.0, string Roles = "executor")
{
    public static Behaviour Good(int seed) => new(0.05, seed);
}
