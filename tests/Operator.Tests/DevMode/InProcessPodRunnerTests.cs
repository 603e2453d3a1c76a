using System.Globalization;
using AgentOperator.DevCluster;
using AgentOperator.DevMode.Pods;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.DevMode;

public sealed class InProcessPodRunnerTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private InProcessCluster _cluster = null!;

    private InProcessPodRunner Runner => _cluster.Runner;

    private Kubernetes Admin => _cluster.Admin;

    public async Task InitializeAsync() =>
        _cluster = await InProcessCluster.StartAsync("agentoperator-devmode-tests", new DevClusterOptions { PodStartDelay = TimeSpan.FromMilliseconds(20) });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task RunAsync_GatewayAndSampleAgentPod_RealDecisionsOnTheGatewayMetrics()
    {
        var (revision, pod) = await ProvisionTriagePodAsync();

        var endpoint = await BoundedWait.UntilAsync(
            () => Task.FromResult(Runner.Gateways.SingleOrDefault(g => g.Pod == pod.Metadata.Name)),
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
        var crmCall = _cluster.Tools.Calls.First(c => c.Path == "/tools/read_ticket");
        Assert.StartsWith("Bearer ", crmCall.Authorization, StringComparison.Ordinal);
        var review = await Admin.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview
        {
            Spec = new V1TokenReviewSpec { Token = crmCall.Authorization!["Bearer ".Length..], Audiences = ["crm.support.svc"] },
        });
        Assert.True(review.Status.Authenticated, review.Status.Error);
        Assert.Equal($"system:serviceaccount:support:{pod.Spec.ServiceAccountName}", review.Status.User.Username);
        Assert.True(_cluster.Model.Calls > 0);
    }

    [Fact]
    public async Task RunAsync_PodDeleted_GatewayStopsAndPodFilesAreRemoved()
    {
        var (_, pod) = await ProvisionTriagePodAsync();
        var endpoint = await BoundedWait.UntilAsync(
            () => Task.FromResult(Runner.Gateways.SingleOrDefault(g => g.Pod == pod.Metadata.Name)),
            g => g is not null, Bound, _ => $"no in-process gateway for pod {pod.Metadata.Name}");
        Assert.Single(Directory.GetDirectories(_cluster.WorkDirectory));

        await Admin.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, "support");

        await BoundedWait.UntilAsync(
            () => Task.FromResult((Runner.RunningPods, Directory.GetDirectories(_cluster.WorkDirectory).Length)),
            seen => seen == (0, 0), Bound, seen => $"after deleting the pod: {seen.RunningPods} pods still run, {seen.Item2} pod folders left");
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri(endpoint!.MetricsAddress, "/healthz")));
    }

    [Fact]
    public async Task RunAsync_EvalJobPod_SucceedsWithTheTerminationMessage()
    {
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "evals" } });
        await Admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
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
            () => Admin.CoreV1.ReadNamespacedPodAsync("eval-1", "evals"),
            p => p.Status?.Phase is "Succeeded" or "Failed", Bound, p => $"eval pod still {p.Status?.Phase}");
        Assert.Equal("Succeeded", pod.Status.Phase);
        Assert.Equal("0.85", pod.Status.ContainerStatuses.Single().State.Terminated.Message);
    }

    [Fact]
    public async Task RunAsync_MissingSecret_PodFailsWithTheMountError()
    {
        var (_, pod) = await ProvisionTriagePodAsync(createSecrets: false);
        var failed = await BoundedWait.UntilAsync(
            () => Admin.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, "support"),
            p => p.Status?.Phase is "Failed", Bound, p => $"pod without its Secrets is {p.Status?.Phase}");
        Assert.Contains("secret \"anthropic-api-key\" not found", failed.Status.ContainerStatuses[0].State.Terminated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OtherImage_OnlyMarkedRunning()
    {
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "web" } });
        await Admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new() { Name = "nginx" },
            Spec = new() { Containers = [new() { Name = "nginx", Image = "nginx:1.27" }] },
        }, "web");
        var pod = await BoundedWait.UntilAsync(() => Admin.CoreV1.ReadNamespacedPodAsync("nginx", "web"), p => p.Status?.Phase == "Running", Bound, p => $"nginx pod is {p.Status?.Phase}");
        Assert.Equal("Running", pod.Status.Phase);
        Assert.Equal(0, Runner.RunningPods);
        Assert.Empty(Runner.Gateways);
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

        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "support" } });
        if (createSecrets)
        {
            foreach (var name in (string[])["openai-api-key", "anthropic-api-key"])
            {
                await Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new() { Name = name }, Data = new Dictionary<string, byte[]> { ["api-key"] = "test-only"u8.ToArray() } }, "support");
            }
        }

        // The operator's children, created with the operator's identity (config/rbac), as the operator would; the pod is
        // the ReplicaSet controller's, which the admin client stands in for.
        using (var asOperator = new Kubernetes(_cluster.OperatorConfiguration))
        {
            await asOperator.CoreV1.CreateNamespacedServiceAccountAsync(children.ServiceAccount, "support");
            await asOperator.RbacAuthorizationV1.CreateNamespacedRoleAsync(children.Role, "support");
            await asOperator.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(children.RoleBinding, "support");
            await asOperator.CoreV1.CreateNamespacedConfigMapAsync(children.BundleConfigMap, "support");
        }

        var template = children.Deployment.Spec.Template;
        var pod = await Admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new() { Name = "support-triage-" + revision[..Math.Min(8, revision.Length)] + "-pod", Labels = template.Metadata.Labels, Annotations = template.Metadata.Annotations },
            Spec = template.Spec,
        }, "support");
        return (revision, pod);
    }

    private string PodPhase(string name)
    {
        var pod = Admin.CoreV1.ReadNamespacedPod(name, "support");
        return $"{pod.Status?.Phase} {pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated?.Message}";
    }

    private static double Sample(string exposition, string series)
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
    }
}
