using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.AuditCollector.Hosting;
using AgentOperator.Contracts;
using AgentOperator.DevMode.Install;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Gateway.Tests.Cluster;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Policy.Bundles;
using Microsoft.Extensions.Logging.Abstractions;
using k8s;
using k8s.Models;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>
/// The audit path end to end on loopback: the shared DevCluster (TokenReview, SubjectAccessReview), the real audit
/// collector running as config/collector's ServiceAccount with config/collector's ClusterRole, and a gateway that ships
/// to it with a token bound to its pod for the collector's audience, as the kubelet projects it. Each instance has its
/// own namespace, pod, store and gateway buffer; the collector and gateway can be stopped and started again in place.
/// </summary>
public sealed class AuditTrail : IAsyncDisposable
{
    private static readonly Lazy<Task<string>> CollectorToken = new(InstallCollectorRbacAsync);
    private int _collectorPort;

    private AuditTrail(TestCluster cluster, string @namespace, string directory, UpstreamStub upstream, Kubernetes collectorClient, Kubernetes gatewayClient)
    {
        Cluster = cluster;
        GatewayClient = gatewayClient;
        Namespace = @namespace;
        Directory = directory;
        Upstream = upstream;
        CollectorClient = collectorClient;
    }

    public TestCluster Cluster { get; }
    public string Namespace { get; }
    public string Directory { get; }
    public UpstreamStub Upstream { get; }
    public Kubernetes CollectorClient { get; }

    /// <summary>The gateway's API client (the revision's ServiceAccount): it creates and reads AgentApprovals.</summary>
    public Kubernetes GatewayClient { get; }
    public RunningCollector? Collector { get; private set; }
    public RunningGateway? Gateway { get; private set; }
    public const string Pod = "support-refund-pod-1";
    public string StoreDirectory => Path.Combine(Directory, "store");
    public string KeyPath => Path.Combine(StoreDirectory, "keys", "checkpoint.pem");
    public string AuditPath => Path.Combine(Directory, "buffer", "audit.jsonl");
    public string GatewayTokenPath => Path.Combine(Directory, "audit-token");
    public string BundlePath => Path.Combine(Directory, "bundle.json");
    public string ChainDirectory => Path.Combine(StoreDirectory, "chains", Namespace, GatewayRoles.Workflow, Pod);
    public MemoryStream Forwarded { get; } = new();
    public Uri CollectorAddress => new($"http://127.0.0.1:{_collectorPort}");

    /// <summary>A namespace with the refund workflow, its revision's ServiceAccount (the operator's IdentityBuilder), a pod and its token for the collector.</summary>
    public static async Task<AuditTrail> CreateAsync()
    {
        var cluster = await TestCluster.SharedAsync();
        var collectorToken = await CollectorToken.Value;
        var @namespace = await cluster.CreateNamespaceAsync("audit");
        var gatewayToken = await cluster.GatewayTokenAsync(@namespace);
        var directory = System.IO.Directory.CreateTempSubdirectory("audit-trail-").FullName;
        var trail = new AuditTrail(cluster, @namespace, directory, await UpstreamStub.StartAsync(), cluster.Client(collectorToken), cluster.Client(gatewayToken));
        await File.WriteAllTextAsync(trail.GatewayTokenPath, await trail.PodTokenAsync(AuditCollectorApi.Audience));
        await File.WriteAllTextAsync(trail.BundlePath, PolicyBundleJson.Serialize(TestBundles.SupportRefund(trail.Upstream.Url)));
        return trail;
    }

    /// <summary>A token of the revision's ServiceAccount bound to the trail's pod (created once), as the kubelet projects it.</summary>
    public async Task<string> PodTokenAsync(string audience)
    {
        V1Pod pod;
        try
        {
            pod = await Cluster.Admin.CoreV1.ReadNamespacedPodAsync(Pod, Namespace);
        }
        catch (k8s.Autorest.HttpOperationException)
        {
            pod = await Cluster.Admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = Pod },
                Spec = new V1PodSpec { ServiceAccountName = GatewayRoles.RevisionObject, Containers = [new V1Container { Name = "gateway", Image = "ghcr.io/agentoperator/gateway:0.1.0" }] },
            }, Namespace);
        }

        var request = await Cluster.Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                Audiences = [audience],
                ExpirationSeconds = 3600,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = Pod, Uid = pod.Metadata.Uid },
            },
        }, GatewayRoles.RevisionObject, Namespace);
        return request.Status.Token;
    }

    /// <summary>A ServiceAccount token of a reader; with <paramref name="viewer"/> it is bound to config/rbac's agentoperator-viewer in the namespace.</summary>
    public async Task<string> ReaderTokenAsync(string name, bool viewer)
    {
        var token = await Cluster.ServiceAccountTokenAsync(Namespace, name);
        if (viewer)
        {
            await Cluster.Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = name + "-viewer" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "agentoperator-viewer" },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = name, NamespaceProperty = Namespace }],
            }, Namespace);
        }

        return token;
    }

    /// <summary>Starts the collector on its store (the same port when started again).</summary>
    public async Task<RunningCollector> StartCollectorAsync(TimeProvider? timeProvider = null, long segmentBytes = 64L * 1024 * 1024)
    {
        Collector = await CollectorHost.StartAsync(new CollectorOptions
        {
            DataDirectory = StoreDirectory,
            SigningKeyPath = KeyPath,
            Port = _collectorPort,
            BindAddress = "127.0.0.1",
            SegmentBytes = segmentBytes,
            ForwardTo = () => Stream.Synchronized(Forwarded),
        }, CollectorClient, timeProvider);
        _collectorPort = Collector.Address.Port;
        return Collector;
    }

    /// <summary>For a collector run as a process: a kubeconfig with config/collector's ServiceAccount token, and the port it is to listen on.</summary>
    public async Task<(string Kubeconfig, int Port)> CollectorProcessSetupAsync()
    {
        var kubeconfig = Path.Combine(Directory, "collector.kubeconfig");
        Cluster.Server.WriteKubeconfigForToken(kubeconfig, await CollectorToken.Value);
        _collectorPort = GatewayProcess.FreePort();
        return (kubeconfig, _collectorPort);
    }

    public async Task StopCollectorAsync()
    {
        if (Collector is { } collector)
        {
            Collector = null;
            await collector.DisposeAsync();
        }
    }

    /// <summary>Starts a gateway on the trail's buffer (a successor continues the same chain).</summary>
    public async Task<RunningGateway> StartGatewayAsync(TimeSpan? acknowledgementTimeout = null)
    {
        Gateway = await GatewayHost.StartAsync(new GatewayOptions
        {
            BundlePath = BundlePath,
            AuditPath = AuditPath,
            MetricsBindAddress = "127.0.0.1",
            Namespace = Namespace,
            SecretsRoot = Path.Combine(Directory, "secrets"),
            TokensRoot = Path.Combine(Directory, "tokens"),
            AuditCollector = CollectorAddress,
            AuditTokenPath = GatewayTokenPath,
            AuditAcknowledgementTimeout = acknowledgementTimeout ?? TimeSpan.FromSeconds(2),
        }, GatewayClient, loggerFactory: NullLoggerFactory.Instance);
        return Gateway;
    }

    public async Task StopGatewayAsync()
    {
        if (Gateway is { } gateway)
        {
            Gateway = null;
            await gateway.DisposeAsync();
        }
    }

    /// <summary>Starts a run on the gateway.</summary>
    public static async Task<string> StartRunAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/v1/runs", new { task = "refund order A-1" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
    }

    /// <summary>A tool call; <paramref name="action"/> goes in X-Tool-Action.</summary>
    public static async Task<HttpResponseMessage> CallAsync(HttpClient http, string runId, string tool, string action, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/runs/{runId}/tools/{tool}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Tool-Action", action);
        return await http.SendAsync(request);
    }

    /// <summary>Every stored line of the trail's chain, in segment order.</summary>
    public IReadOnlyList<string> StoredLines() => System.IO.Directory.Exists(ChainDirectory)
        ? [.. System.IO.Directory.EnumerateFiles(ChainDirectory, "segment-*").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines).Where(l => l.Length > 0)]
        : [];

    /// <summary>Lines of the gateway's local buffer.</summary>
    public IReadOnlyList<string> BufferedLines()
    {
        using var stream = new FileStream(AuditPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>Flushes the running gateway's audit log, then waits (bounded) until the store holds every line of the buffer; fails with both counts.</summary>
    public async Task WaitUntilShippedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        if (Gateway is { } gateway)
        {
            // A read's record is queued before its answer and written just after: the gateway's own flush (what the
            // preStop hook calls) writes everything queued so far and waits for the store's acknowledgement.
            using var http = new HttpClient { BaseAddress = gateway.AgentAddress, Timeout = timeout + GatewayShutdown.PreStopFlushTimeout };
            using var flushed = await http.PostAsync(GatewayShutdown.AuditFlushPath, content: null);
            Assert.True(flushed.IsSuccessStatusCode, $"the gateway's audit flush answered {(int)flushed.StatusCode}: {await flushed.Content.ReadAsStringAsync()}");
        }

        while (StoredLines().Count < BufferedLines().Count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the store holds {StoredLines().Count} records, the buffer {BufferedLines().Count}, after {timeout.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopGatewayAsync();
        await StopCollectorAsync();
        await Upstream.DisposeAsync();
        CollectorClient.Dispose();
        GatewayClient.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    // config/collector's ServiceAccount, ClusterRole and ClusterRoleBinding, applied as an install applies them.
    private static async Task<string> InstallCollectorRbacAsync()
    {
        var cluster = await TestCluster.SharedAsync();
        var manifests = await ManifestFiles.ReadKustomizationAsync(Path.Combine(TestCluster.RepositoryRoot(), "config", "collector"), CancellationToken.None);
        var applier = new ManifestApplier(cluster.Admin, TimeProvider.System);
        var account = manifests.Single(m => m.Kind == "ServiceAccount");
        await applier.ApplyAsync(new Manifest(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = account.Namespace } }, "namespace"), CancellationToken.None);
        foreach (var manifest in manifests.Where(m => m.Kind is "ServiceAccount" or "ClusterRole" or "ClusterRoleBinding"))
        {
            await applier.ApplyAsync(manifest, CancellationToken.None);
        }

        var token = await cluster.Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 7200 } }, account.Name, account.Namespace!);
        return token.Status.Token;
    }
}
