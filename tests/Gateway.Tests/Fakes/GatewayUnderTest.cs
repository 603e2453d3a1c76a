using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Gateway.Tests.Cluster;
using AgentOperator.Policy.Approvals;
using AgentOperator.Policy.Bundles;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Gateway.Tests.Fakes;

/// <summary>
/// A real gateway on loopback ports picked at run time, with a stub upstream, in its own namespace of the shared
/// DevCluster: it talks to the API server as the ServiceAccount "gateway" with the RBAC a sidecar gets.
/// </summary>
public sealed class GatewayUnderTest : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Kubernetes _gatewayClient;

    private GatewayUnderTest(string directory, UpstreamStub upstream, TestCluster cluster, string @namespace, Kubernetes gatewayClient, RunningGateway gateway)
    {
        _directory = directory;
        Upstream = upstream;
        Cluster = cluster;
        Namespace = @namespace;
        _gatewayClient = gatewayClient;
        Gateway = gateway;
        Http = new HttpClient { BaseAddress = gateway.AgentAddress };
    }

    public UpstreamStub Upstream { get; }
    public TestCluster Cluster { get; }

    /// <summary>The workflow's namespace: where the gateway creates AgentApprovals.</summary>
    public string Namespace { get; }
    public RunningGateway Gateway { get; }
    public HttpClient Http { get; }
    public string BundlePath => Path.Combine(_directory, "bundle.json");
    public string AuditPath => Path.Combine(_directory, "audit.jsonl");

    public static async Task<GatewayUnderTest> StartAsync(Func<string, PolicyBundle>? bundle = null, TimeSpan? approvalTtl = null, Func<GatewayOptions, GatewayOptions>? configure = null)
    {
        var directory = Directory.CreateTempSubdirectory("gateway-test").FullName;
        var upstream = await UpstreamStub.StartAsync();
        var cluster = await TestCluster.SharedAsync();
        var @namespace = await cluster.CreateNamespaceAsync("support");
        var gatewayClient = cluster.Client(await cluster.GatewayTokenAsync(@namespace));
        var policy = (bundle ?? (u => TestBundles.SupportRefund(u)))(upstream.Url);
        await File.WriteAllTextAsync(Path.Combine(directory, "bundle.json"), PolicyBundleJson.Serialize(policy));
        var options = new GatewayOptions
        {
            BundlePath = Path.Combine(directory, "bundle.json"),
            AuditPath = Path.Combine(directory, "audit.jsonl"),
            MetricsBindAddress = "127.0.0.1",
            Namespace = @namespace,
            SecretsRoot = Path.Combine(directory, "secrets"),
            TokensRoot = Path.Combine(directory, "tokens"),
            ApprovalTimeToLive = approvalTtl ?? TimeSpan.FromMinutes(30),
            BundleFilePollInterval = TimeSpan.FromMilliseconds(100),
        };
        var gateway = await GatewayHost.StartAsync(configure?.Invoke(options) ?? options, gatewayClient, loggerFactory: NullLoggerFactory.Instance);
        return new GatewayUnderTest(directory, upstream, cluster, @namespace, gatewayClient, gateway);
    }

    public async Task WriteBundleAsync(PolicyBundle bundle) => await File.WriteAllTextAsync(BundlePath, PolicyBundleJson.Serialize(bundle));

    public async Task<string> StartRunAsync()
    {
        using var response = await Http.PostAsJsonAsync("/v1/runs", new { task = "refund order A-1" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
    }

    public async Task<HttpResponseMessage> CallAsync(string runId, string tool, string body, string? idempotencyKey = null, string? approvalId = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/runs/{runId}/tools/{tool}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (approvalId is not null)
        {
            request.Headers.Add("X-Approval-Id", approvalId);
        }

        return await Http.SendAsync(request);
    }

    /// <summary>Records a verdict as the approval API does once it has authenticated and authorized the user.</summary>
    /// <summary>
    /// An approver's verdict appended to status.approvals, then the decision the operator's approval controller writes
    /// for it (<see cref="ApprovalTally"/>). This cluster runs neither admission policies nor the operator; the path
    /// through kubectl, admission and the operator is tested end to end in Operator.Tests.
    /// </summary>
    public Task DecideAsync(string approvalId, string user, ApproverVerdict verdict, string comment = "test") =>
        DecideAsync(Cluster, Namespace, approvalId, user, verdict, comment);

    /// <inheritdoc cref="DecideAsync(string, string, ApproverVerdict, string)"/>
    public static async Task DecideAsync(TestCluster cluster, string @namespace, string approvalId, string user, ApproverVerdict verdict, string comment = "test")
    {
        var approval = await cluster.Admin.CustomObjects.GetNamespacedCustomObjectAsync<AgentApproval>(ApiGroup.Group, ApiGroup.Version, @namespace, AgentApproval.Plural, approvalId);
        var status = (approval.Status ?? new AgentApprovalStatus()) with
        {
            Approvals = [.. approval.Status?.Approvals ?? [], new ApproverDecision { User = user, Verdict = verdict, Comment = comment }],
        };
        var decision = ApprovalTally.Decide(approval.Spec, status, DateTimeOffset.UtcNow);
        approval.Status = status with { Decision = decision, DecidedAt = decision == ApprovalDecision.Pending ? null : DateTimeOffset.UtcNow };
        await cluster.Admin.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(approval, ApiGroup.Group, ApiGroup.Version, @namespace, AgentApproval.Plural, approvalId);
    }

    /// <summary>The AgentApproval as stored by the API server.</summary>
    public Task<AgentApproval> GetApprovalAsync(string name) =>
        Cluster.Admin.CustomObjects.GetNamespacedCustomObjectAsync<AgentApproval>(ApiGroup.Group, ApiGroup.Version, Namespace, AgentApproval.Plural, name);

    /// <summary>How many AgentApprovals exist in the gateway's namespace.</summary>
    public async Task<int> CountApprovalsAsync()
    {
        var list = await Cluster.Admin.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(ApiGroup.Group, ApiGroup.Version, Namespace, AgentApproval.Plural);
        return list["items"]!.AsArray().Count;
    }

    public async Task<string> ScrapeMetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(Gateway.MetricsAddress, "/metrics"));
    }

    public async Task<string[]> AuditLinesAsync()
    {
        await Gateway.Audit.FlushAsync(CancellationToken.None);
        return await File.ReadAllLinesAsync(AuditPath);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
        _gatewayClient.Dispose();
        await Cluster.Admin.CoreV1.DeleteNamespaceAsync(Namespace);
        Directory.Delete(_directory, recursive: true);
    }
}
