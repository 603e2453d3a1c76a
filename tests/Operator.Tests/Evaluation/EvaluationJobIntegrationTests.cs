using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevCluster;
using AgentOperator.Operator.Evaluation;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Evaluation;

/// <summary>
/// The eval Job of a real canary (the triage example's revision, provisioned by the operator's builders) on the DevCluster
/// node: the published sample agent evaluates through the canary's published gateway, running as a native sidecar, and
/// the Job's verdict is read back the way the reconciler reads it.
/// </summary>
[Collection(NodeLanes.DevMode)]
public sealed class EvaluationJobIntegrationTests : IAsyncLifetime
{
    private const string Namespace = "support";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private NodeCluster _cluster = null!;

    private Kubernetes Admin => _cluster.Admin;

    public async Task InitializeAsync()
    {
        _cluster = await NodeCluster.StartAsync(new DevClusterOptions());
        await AgentOperatorCrds.InstallAsync(Admin, CancellationToken.None);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("1", EvaluationPhase.Passed, "eval pass rate 1 reached minPassRate 0.9")]
    [InlineData("0.4", EvaluationPhase.Failed, "eval pass rate 0.4 is below minPassRate 0.9")]
    public async Task EvalJob_SampleAgentThroughTheCanarysGateway_VerdictFromItsPassRatio(string passRate, EvaluationPhase phase, string message)
    {
        var (canary, job) = await ProvisionCanaryAndEvalJobAsync(["eval", "--suite=triage", "--cases=5", $"--pass-rate={passRate}"]);

        // While the eval runs, its runs are the canary revision's eval series on the sidecar gateway's /metrics.
        var series = $"agent_eval_pass_ratio{{workflow=\"support-triage\",revision=\"{canary.Revision}\"}}";
        using var http = new HttpClient();
        var metrics = await BoundedWait.UntilAsync(
            async () => await GatewayMetricsAsync(job.Metadata.Name) is { } address ? await TryGetAsync(http, address) : "",
            text => text.Contains(series, StringComparison.Ordinal), Bound,
            text => $"no {series} on the eval pod's gateway; Job {JobState(job.Metadata.Name)}; last /metrics had {text.Length} characters");
        Assert.Contains(series, metrics, StringComparison.Ordinal);

        var finished = await BoundedWait.UntilAsync(
            () => Admin.BatchV1.ReadNamespacedJobAsync(job.Metadata.Name, Namespace),
            j => j.Status?.Conditions?.Any(c => c.Type is "Complete" or "Failed" && c.Status == "True") == true, Bound,
            j => $"eval Job not finished: {JobState(j.Metadata.Name)}");
        var pods = await Admin.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: $"{EvaluationResult.JobNameLabel}={job.Metadata.Name}");

        var result = EvaluationResult.Read(finished, pods.Items, minPassRate: 0.9);

        Assert.True(finished.Status.Conditions.Any(c => c.Type == "Complete"), JobState(job.Metadata.Name));
        Assert.Equal((phase, double.Parse(passRate, System.Globalization.CultureInfo.InvariantCulture), message), (result.Phase, result.PassRate!.Value, result.Message));
        var pod = Assert.Single(pods.Items);
        Assert.Equal("Succeeded", pod.Status.Phase);
        Assert.Equal(passRate, pod.Status.ContainerStatuses.Single(c => c.Name == "eval").State.Terminated.Message);
        var sidecar = Assert.Single(pod.Status.InitContainerStatuses);
        Assert.Equal(("gateway", 0, "Completed"), (sidecar.Name, sidecar.State.Terminated.ExitCode, sidecar.State.Terminated.Reason));
    }

    // The eval pod's gateway sidecar serves /metrics on the pod's IP at its --metrics-port (eval pods name no metrics port: nothing scrapes them).
    private async Task<Uri?> GatewayMetricsAsync(string job)
    {
        var pod = (await Admin.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: $"{EvaluationResult.JobNameLabel}={job}")).Items.FirstOrDefault();
        var gateway = pod?.Spec.InitContainers?.FirstOrDefault(c => c.Name == "gateway");
        return string.IsNullOrEmpty(pod?.Status?.PodIP) || gateway?.Args is not { Count: > 0 } args
            ? null
            : new Uri($"http://{pod.Status.PodIP}:{AgentOperator.Contracts.GatewayServeArguments.Parse([.. args]).MetricsPort}/metrics");
    }

    private static async Task<string> TryGetAsync(HttpClient http, Uri uri)
    {
        try
        {
            return await http.GetStringAsync(uri);
        }
        catch (HttpRequestException)
        {
            return ""; // the pod ended between listing the gateways and scraping
        }
    }

    // The triage example's revision as the reconciler provisions it (identity, bundle, Secrets), then its eval Job.
    private async Task<(RevisionInputs Canary, V1Job Job)> ProvisionCanaryAndEvalJobAsync(IReadOnlyList<string> evalArgs)
    {
        var workflow = DevModeExamples.Workflow("support-triage.yaml");
        workflow.Metadata.Uid = Guid.NewGuid().ToString();
        workflow.Spec = workflow.Spec with
        {
            Rollout = workflow.Spec.Rollout! with
            {
                Evaluation = new() { Image = "ghcr.io/agentoperator/sample-agent:0.1.0", Args = evalArgs, MinPassRate = 0.9, TimeoutSeconds = 120 },
            },
        };
        var tools = DevModeExamples.Tools();
        var compiled = PolicyBundleCompiler.Compile(workflow, tools);
        Assert.True(compiled.Succeeded, string.Join("; ", compiled.Errors));
        var canary = new RevisionInputs(workflow, RevisionHash.Compute(workflow.Spec, tools.Select(t => t.Spec)), PolicyBundleJson.Serialize(compiled.Bundle), tools, 1);
        var options = new ProvisioningOptions();
        var children = RevisionChildrenBuilder.Build(canary, options);

        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = Namespace } });
        foreach (var name in (string[])["openai-api-key", "anthropic-api-key"])
        {
            await Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new() { Name = name }, Data = new Dictionary<string, byte[]> { ["api-key"] = "test-only"u8.ToArray() } }, Namespace);
        }

        // The workflow and its tools as a user applies them (no operator runs here): dev mode's stand-ins answer for the
        // model provider and the tools' Services they name.
        foreach (var tool in tools)
        {
            tool.Metadata.NamespaceProperty = Namespace;
            tool.Metadata.ResourceVersion = null;
            await Admin.CustomObjects.CreateNamespacedCustomObjectAsync(tool, ApiGroup.Group, ApiGroup.Version, Namespace, AgentTool.Plural);
        }

        var applied = DevModeExamples.Workflow("support-triage.yaml");
        applied.Metadata.ResourceVersion = null;
        await Admin.CustomObjects.CreateNamespacedCustomObjectAsync(applied, ApiGroup.Group, ApiGroup.Version, Namespace, AgentWorkflow.Plural);
        await _cluster.StandIns.SyncAsync(CancellationToken.None);

        // The operator's children, created with the operator's identity (config/rbac), as the operator would.
        using var asOperator = new Kubernetes(_cluster.OperatorConfiguration);
        await asOperator.CoreV1.CreateNamespacedServiceAccountAsync(children.ServiceAccount, Namespace);
        await asOperator.RbacAuthorizationV1.CreateNamespacedRoleAsync(children.Role, Namespace);
        await asOperator.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(children.RoleBinding, Namespace);
        await asOperator.CoreV1.CreateNamespacedConfigMapAsync(children.BundleConfigMap, Namespace);
        var job = await asOperator.BatchV1.CreateNamespacedJobAsync(EvaluationJobBuilder.Build(canary, options), Namespace);
        return (canary, job);
    }

    private string JobState(string name)
    {
        var job = Admin.BatchV1.ReadNamespacedJob(name, Namespace);
        var pods = Admin.CoreV1.ListNamespacedPod(Namespace, labelSelector: $"{EvaluationResult.JobNameLabel}={name}");
        return $"conditions [{string.Join(", ", job.Status?.Conditions?.Select(c => $"{c.Type}={c.Status} {c.Reason}") ?? [])}], pods [{string.Join(", ", pods.Items.Select(p => $"{p.Metadata.Name} {p.Status?.Phase} {string.Join(";", p.Status?.ContainerStatuses?.Select(c => c.State?.Terminated?.Message) ?? [])}"))}]";
    }
}
