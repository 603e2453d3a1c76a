using System.Globalization;
using System.Diagnostics.CodeAnalysis;
using AgentOperator.DevCluster;
using AgentOperator.Operator.DevMode;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using AgentOperator.SampleAgent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Operator.Tests.DevMode;

[SuppressMessage("Design", "CA1001", Justification = "xunit releases them through IAsyncLifetime.DisposeAsync.")]
public sealed class InProcessPodRunnerTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly string _workDirectory = Path.Combine(Path.GetTempPath(), "agentoperator-devmode-tests", Guid.NewGuid().ToString("N"));
    private FakeModelServer _model = null!;
    private FakeToolServer _tools = null!;
    private InProcessPodRunner _runner = null!;
    private DevClusterServer _cluster = null!;
    private Kubernetes _admin = null!;

    public async Task InitializeAsync()
    {
        _model = await FakeModelServer.StartAsync(0, CancellationToken.None);
        _tools = await FakeToolServer.StartAsync(0, 0, CancellationToken.None);
        _runner = new InProcessPodRunner(
            new InProcessPodRunnerOptions { WorkDirectory = _workDirectory, UpstreamHandlerFactory = () => new FakeUpstreamRedirectHandler(_model.BaseUrl, _tools.BaseUrl) },
            NullLoggerFactory.Instance);
        _cluster = await DevClusterServer.StartAsync(new DevClusterOptions { PodRunner = _runner, PodStartDelay = TimeSpan.FromMilliseconds(20) });
        _runner.Attach(_cluster);
        _admin = new Kubernetes(_cluster.CreateClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _cluster.DisposeAsync();
        await _runner.DisposeAsync();
        await _tools.DisposeAsync();
        await _model.DisposeAsync();
        if (Directory.Exists(_workDirectory))
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_GatewayAndSampleAgentPod_RealDecisionsOnTheGatewayMetrics()
    {
        var (revision, pod) = await ProvisionTriagePodAsync();

        var endpoint = await BoundedWait.UntilAsync(
            () => Task.FromResult(_runner.Gateways.SingleOrDefault(g => g.Pod == pod.Metadata.Name)),
            g => g is not null, Bound, _ => $"no in-process gateway for pod {pod.Metadata.Name}; pod status {PodPhase(pod.Metadata.Name)}");
        Assert.Equal(("support-triage", revision), (endpoint!.Workflow, endpoint.Revision));

        using var http = new HttpClient();
        var allowed = $"agent_tool_calls_total{{workflow=\"support-triage\",revision=\"{revision}\",tool=\"crm.read_ticket\",decision=\"allow\"}}";
        var metrics = await BoundedWait.UntilAsync(
            () => http.GetStringAsync(new Uri(endpoint.MetricsAddress, "/metrics")),
            text => Sample(text, allowed) > 0, Bound,
            text => $"{allowed} never rose above 0; the gateway's agent_ series were:\n{string.Join('\n', text.Split('\n').Where(l => l.StartsWith("agent_", StringComparison.Ordinal) && !l.Contains("_bucket", StringComparison.Ordinal)))}");
        Assert.True(Sample(metrics, $"agent_tokens_total{{workflow=\"support-triage\",revision=\"{revision}\",role=\"planner\",model=\"claude-sonnet-4-20250514\"}}") > 0, metrics);

        // The CRM upstream got the call with a token the API server issued for the CRM's audience, bound to the pod.
        var crmCall = _tools.Calls.First(c => c.Path == "/tools/read_ticket");
        Assert.StartsWith("Bearer ", crmCall.Authorization, StringComparison.Ordinal);
        var review = await _admin.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview
        {
            Spec = new V1TokenReviewSpec { Token = crmCall.Authorization!["Bearer ".Length..], Audiences = ["crm.support.svc"] },
        });
        Assert.True(review.Status.Authenticated, review.Status.Error);
        Assert.Equal($"system:serviceaccount:support:{pod.Spec.ServiceAccountName}", review.Status.User.Username);
        Assert.True(_model.Calls > 0);
    }

    [Fact]
    public async Task RunAsync_PodDeleted_GatewayStopsAndPodFilesAreRemoved()
    {
        var (_, pod) = await ProvisionTriagePodAsync();
        var endpoint = await BoundedWait.UntilAsync(
            () => Task.FromResult(_runner.Gateways.SingleOrDefault(g => g.Pod == pod.Metadata.Name)),
            g => g is not null, Bound, _ => $"no in-process gateway for pod {pod.Metadata.Name}");
        Assert.Single(Directory.GetDirectories(_workDirectory));

        await _admin.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, "support");

        await BoundedWait.UntilAsync(
            () => Task.FromResult((_runner.RunningPods, Directory.GetDirectories(_workDirectory).Length)),
            seen => seen == (0, 0), Bound, seen => $"after deleting the pod: {seen.RunningPods} pods still run, {seen.Item2} pod folders left");
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri(endpoint!.MetricsAddress, "/healthz")));
    }

    [Fact]
    public async Task RunAsync_EvalJobPod_SucceedsWithTheTerminationMessage()
    {
        await _admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "evals" } });
        await _admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new() { Name = "eval-1" },
            Spec = new()
            {
                RestartPolicy = "Never",
                Containers =
                [
                    new()
                    {
                        Name = "eval",
                        Image = "ghcr.io/agentoperator/sample-agent:0.1.0",
                        Env = [new() { Name = "SAMPLE_AGENT_MODE", Value = "eval" }, new() { Name = "SAMPLE_AGENT_EVAL_TASKS", Value = "20" }, new() { Name = "SAMPLE_AGENT_EVAL_PASS_RATE", Value = "0.85" }],
                    },
                ],
            },
        }, "evals");

        var pod = await BoundedWait.UntilAsync(
            () => _admin.CoreV1.ReadNamespacedPodAsync("eval-1", "evals"),
            p => p.Status?.Phase is "Succeeded" or "Failed", Bound, p => $"eval pod still {p.Status?.Phase}");
        Assert.Equal("Succeeded", pod.Status.Phase);
        Assert.Equal("0.85", pod.Status.ContainerStatuses.Single().State.Terminated.Message);
    }

    [Fact]
    public async Task RunAsync_MissingSecret_PodFailsWithTheMountError()
    {
        var (_, pod) = await ProvisionTriagePodAsync(createSecrets: false);
        var failed = await BoundedWait.UntilAsync(
            () => _admin.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, "support"),
            p => p.Status?.Phase is "Failed", Bound, p => $"pod without its Secrets is {p.Status?.Phase}");
        Assert.Contains("secret \"anthropic-api-key\" not found", failed.Status.ContainerStatuses[0].State.Terminated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OtherImage_OnlyMarkedRunning()
    {
        await _admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "web" } });
        await _admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new() { Name = "nginx" },
            Spec = new() { Containers = [new() { Name = "nginx", Image = "nginx:1.27" }] },
        }, "web");
        var pod = await BoundedWait.UntilAsync(() => _admin.CoreV1.ReadNamespacedPodAsync("nginx", "web"), p => p.Status?.Phase == "Running", Bound, p => $"nginx pod is {p.Status?.Phase}");
        Assert.Equal("Running", pod.Status.Phase);
        Assert.Equal(0, _runner.RunningPods);
        Assert.Empty(_runner.Gateways);
    }

    // What the reconciler would create for the triage example's revision, with the Deployment's pod template as a bare pod.
    private async Task<(string Revision, V1Pod Pod)> ProvisionTriagePodAsync(bool createSecrets = true)
    {
        var workflow = DevModeExamples.Workflow("support-triage.yaml");
        workflow.Metadata.Uid = Guid.NewGuid().ToString();
        var tools = DevModeExamples.Tools();
        var compiled = PolicyBundleCompiler.Compile(workflow, tools);
        Assert.True(compiled.Succeeded, string.Join("; ", compiled.Errors));
        var revision = RevisionHash.Compute(workflow.Spec, tools.Select(t => t.Spec));
        var children = RevisionChildrenBuilder.Build(new RevisionInputs(workflow, revision, PolicyBundleJson.Serialize(compiled.Bundle), tools, 1), new ProvisioningOptions());

        await _admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "support" } });
        if (createSecrets)
        {
            foreach (var name in (string[])["openai-api-key", "anthropic-api-key"])
            {
                await _admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new() { Name = name }, Data = new Dictionary<string, byte[]> { ["api-key"] = "test-only"u8.ToArray() } }, "support");
            }
        }

        await _admin.CoreV1.CreateNamespacedServiceAccountAsync(children.ServiceAccount, "support");
        await _admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(children.Role, "support");
        await _admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(children.RoleBinding, "support");
        await _admin.CoreV1.CreateNamespacedConfigMapAsync(children.BundleConfigMap, "support");
        var template = children.Deployment.Spec.Template;
        var pod = await _admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new() { Name = "support-triage-" + revision[..Math.Min(8, revision.Length)] + "-pod", Labels = template.Metadata.Labels, Annotations = template.Metadata.Annotations },
            Spec = template.Spec,
        }, "support");
        return (revision, pod);
    }

    private string PodPhase(string name)
    {
        var pod = _admin.CoreV1.ReadNamespacedPod(name, "support");
        return $"{pod.Status?.Phase} {pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated?.Message}";
    }

    private static double Sample(string exposition, string series)
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
    }
}
