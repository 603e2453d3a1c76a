using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Contracts;

/// <summary>
/// The published gateway (the Dockerfile's ENTRYPOINT over <c>dotnet publish</c>) started the way a kubelet starts the
/// sidecar the operator generates for the refund example: exactly the pod spec's args and env, the in-cluster
/// credentials at their real paths (a private mount namespace), against DevCluster with the revision's
/// ServiceAccount, Role, RoleBinding and bundle ConfigMap made by the operator's own builders.
/// </summary>
public sealed class PublishedGatewayInClusterTests(DevClusterFixture cluster, PublishedGateway published)
    : IClassFixture<DevClusterFixture>, IClassFixture<PublishedGateway>
{
    private const string Example = "support-refund.yaml";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [PrivateMountNamespaceFact]
    public async Task Published_gateway_with_the_pod_specs_args_and_env_becomes_healthy_enforces_its_ConfigMap_bundle_audits_and_stops_on_SIGTERM()
    {
        var options = new ProvisioningOptions { GatewayApiPort = FreePort.Pick(), GatewayMetricsPort = FreePort.Pick() };
        var (inputs, children) = await ProvisionAsync(options);
        var gateway = children.Deployment.Spec.Template.Spec.Containers.Single(c => c.Name == GatewayPodLayout.GatewayContainer);
        var podName = children.Deployment.Metadata.Name + "-5d8f7c9b4-x2x7q";

        // The projected volume's files, as the kubelet writes them: a TokenRequest for the ServiceAccount with the volume's audience and lifetime.
        var credentials = System.IO.Directory.CreateTempSubdirectory("gateway-sa-").FullName;
        var audit = System.IO.Directory.CreateTempSubdirectory("gateway-audit-").FullName;
        try
        {
            await WriteServiceAccountFilesAsync(credentials, children, inputs.Namespace);

            var environment = new Dictionary<string, string>(GatewayContainerContractTests.KubeletEnvironment(gateway, inputs.Namespace, podName), StringComparer.Ordinal)
            {
                [GatewayEnvironment.KubernetesServiceHost] = cluster.Server.BaseAddress.Host,
                [GatewayEnvironment.KubernetesServicePort] = cluster.Server.BaseAddress.Port.ToString(CultureInfo.InvariantCulture),
            };
            await using var process = published.Start([.. gateway.Args], environment, InPrivateMounts(credentials, audit));

            // Healthy: the metrics port answers /healthz once the bundle is loaded from the ConfigMap.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var metrics = new Uri($"http://127.0.0.1:{options.GatewayMetricsPort}");
            await Eventually.TrueAsync(async () =>
            {
                Assert.False(process.HasExited, $"the gateway exited:\n{process.Output}\n{process.Error}");
                try
                {
                    using var health = await http.GetAsync(new Uri(metrics, GatewayPodLayout.HealthPath));
                    return health.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, $"the gateway's {GatewayPodLayout.HealthPath} on port {options.GatewayMetricsPort} did not answer 200", StartTimeout);

            // Enforcing: a tool the workflow does not bind is refused with a problem body; a bound read is decided by its policy.
            var api = new Uri($"http://127.0.0.1:{options.GatewayApiPort}");
            using var start = await http.PostAsJsonAsync(new Uri(api, "/v1/runs"), new { task = "refund order ORD-20931177" });
            Assert.Equal(HttpStatusCode.Created, start.StatusCode);
            var runId = (await start.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();

            using var unbound = await CallAsync(http, api, runId, "kb.search", """{"query":"refund policy"}""");
            Assert.Equal(HttpStatusCode.Forbidden, unbound.StatusCode);
            Assert.Equal("application/problem+json", unbound.Content.Headers.ContentType?.MediaType);
            var problem = (await unbound.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(ToolDecisions.Deny, problem["decision"]?.GetValue<string>());

            using var read = await CallAsync(http, api, runId, "orders.get_status", """{"order_id":"ORD-20931177"}""");
            Assert.NotEqual(HttpStatusCode.Forbidden, read.StatusCode);

            // Audited: the records are in the audit file at its pod path (the bind-mounted folder).
            var auditFile = Path.Combine(audit, Path.GetFileName(GatewayPodLayout.AuditFile));
            await Eventually.TrueAsync(() => File.Exists(auditFile) && AuditMentions(auditFile, "kb.search") && AuditMentions(auditFile, "orders.get_status"),
                () => $"{GatewayPodLayout.AuditFile} has no records of both calls: {(File.Exists(auditFile) ? File.ReadAllText(auditFile) : "no file")}");

            // Stopped by the kubelet: SIGTERM ends it cleanly.
            await process.TerminateAsync();
            Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            System.IO.Directory.Delete(credentials, recursive: true);
            System.IO.Directory.Delete(audit, recursive: true);
        }
    }

    [Fact]
    public async Task Published_gateway_given_an_unknown_argument_exits_non_zero_naming_it()
    {
        var gateway = GatewayOf(GatewayContainerContractTests.Build(Example, new ProvisioningOptions()).Children);

        await using var process = published.Start([.. gateway.Args, "--log-level=info"], new Dictionary<string, string>());

        Assert.NotEqual(0, await process.WaitForExitAsync(StartTimeout));
        Assert.Contains("unknown argument '--log-level'", process.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Published_gateway_with_a_ConfigMap_bundle_outside_a_cluster_exits_non_zero_saying_what_is_missing()
    {
        var gateway = GatewayOf(GatewayContainerContractTests.Build(Example, new ProvisioningOptions()).Children);

        await using var process = published.Start([.. gateway.Args], new Dictionary<string, string>());

        Assert.NotEqual(0, await process.WaitForExitAsync(StartTimeout));
        Assert.Equal(
            "error: serve --bundle-configmap needs the in-cluster configuration: KUBERNETES_SERVICE_HOST is not set",
            process.Error.Trim());
    }

    private static V1Container GatewayOf(RevisionChildren children) =>
        children.Deployment.Spec.Template.Spec.Containers.Single(c => c.Name == GatewayPodLayout.GatewayContainer);

    // unshare: a private mount namespace for the gateway only. /run (behind /var/run) is replaced by a tmpfs there, so
    // the pod's mount points are made without touching the host's; then the credential and audit folders are bound
    // at their real paths and the shell execs the entrypoint (same pid, so SIGTERM reaches the gateway).
    private static List<string> InPrivateMounts(string credentials, string audit) =>
    [
        "unshare", "-m", "--propagation", "private", "sh", "-c",
        $"""
        set -e
        run=$(readlink -f /var/run)
        mount -t tmpfs -o mode=755 tmpfs "$run"
        mkdir -p "{GatewayPodLayout.KubeApiAccessDirectory}" "{GatewayPodLayout.AuditDirectory}" "{GatewayPodLayout.SecretsDirectory}" "{GatewayPodLayout.TokensDirectory}"
        mount --bind "$1" "{GatewayPodLayout.KubeApiAccessDirectory}"
        mount --bind "$2" "{GatewayPodLayout.AuditDirectory}"
        shift 2
        exec "$@"
        """,
        "sh", credentials, audit,
    ];

    private async Task<(RevisionInputs Inputs, RevisionChildren Children)> ProvisionAsync(ProvisioningOptions options)
    {
        // The workflow exists in the API (its children are owned by it), then its children come from the operator's builders.
        using var client = cluster.CreateClient();
        var example = DevModeExamplesWorkflow();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = example.Metadata.NamespaceProperty } });
        example.Metadata.Labels = null;
        var created = KubernetesJson.Deserialize<AgentWorkflow>(KubernetesJson.Serialize(
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(example, ApiGroup.Group, ApiGroup.Version, example.Metadata.NamespaceProperty, AgentWorkflow.Plural)));
        var built = GatewayContainerContractTests.Build(Example, options, created.Metadata.Uid);
        var children = built.Children;
        var ns = built.Inputs.Namespace;
        await client.CoreV1.CreateNamespacedServiceAccountAsync(children.ServiceAccount, ns);
        await client.RbacAuthorizationV1.CreateNamespacedRoleAsync(children.Role, ns);
        await client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(children.RoleBinding, ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(children.BundleConfigMap, ns);
        return built;
    }

    private static AgentWorkflow DevModeExamplesWorkflow() => DevMode.DevModeExamples.Workflow(Example);

    private async Task WriteServiceAccountFilesAsync(string directory, RevisionChildren children, string @namespace)
    {
        var volume = children.Deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == GatewayCredentials.KubeApiAccessVolume);
        var projection = volume.Projected.Sources.Single(s => s.ServiceAccountToken is not null).ServiceAccountToken;
        using var client = cluster.CreateClient();
        var request = await client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                Audiences = projection.Audience is { } audience ? [audience] : [],
                ExpirationSeconds = projection.ExpirationSeconds,
            },
        }, children.ServiceAccount.Metadata.Name, @namespace);
        await File.WriteAllTextAsync(Path.Combine(directory, projection.Path), request.Status.Token);
        await File.WriteAllTextAsync(Path.Combine(directory, "ca.crt"), cluster.Server.CertificateAuthorityPem);
        await File.WriteAllTextAsync(Path.Combine(directory, "namespace"), @namespace);
    }

    private static async Task<HttpResponseMessage> CallAsync(HttpClient http, Uri api, string runId, string tool, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await http.PostAsync(new Uri(api, $"/v1/runs/{runId}/tools/{tool}"), content);
    }

    private static bool AuditMentions(string file, string tool)
    {
        // The gateway holds the file open for appending; read it shared.
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Any(line => JsonNode.Parse(line)?["tool"]?.GetValue<string>() == tool);
    }
}
