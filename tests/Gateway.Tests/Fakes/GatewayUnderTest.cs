using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Approvals;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Policy.Bundles;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Gateway.Tests.Fakes;

/// <summary>A real gateway on loopback ports picked at run time, with a stub upstream and a fake Kubernetes API.</summary>
public sealed class GatewayUnderTest : IAsyncDisposable
{
    private readonly string _directory;

    private GatewayUnderTest(string directory, UpstreamStub upstream, FakeKubernetesApi kube, RunningGateway gateway)
    {
        _directory = directory;
        Upstream = upstream;
        Kube = kube;
        Gateway = gateway;
        Http = new HttpClient { BaseAddress = gateway.AgentAddress };
    }

    public UpstreamStub Upstream { get; }
    public FakeKubernetesApi Kube { get; }
    public RunningGateway Gateway { get; }
    public HttpClient Http { get; }
    public string BundlePath => Path.Combine(_directory, "bundle.json");
    public string AuditPath => Path.Combine(_directory, "audit.jsonl");

    public static async Task<GatewayUnderTest> StartAsync(Func<string, PolicyBundle>? bundle = null, TimeSpan? approvalTtl = null)
    {
        var directory = Directory.CreateTempSubdirectory("gateway-test").FullName;
        var upstream = await UpstreamStub.StartAsync();
        var kube = await FakeKubernetesApi.StartAsync();
        kube.AddUser("alice-token", "alice", true);
        kube.AddUser("bob-token", "bob", true);
        var policy = (bundle ?? (u => TestBundles.SupportRefund(u)))(upstream.Url);
        await File.WriteAllTextAsync(Path.Combine(directory, "bundle.json"), PolicyBundleJson.Serialize(policy));
        var gateway = await GatewayHost.StartAsync(new GatewayOptions
        {
            BundlePath = Path.Combine(directory, "bundle.json"),
            AuditPath = Path.Combine(directory, "audit.jsonl"),
            MetricsBindAddress = "127.0.0.1",
            SecretsRoot = Path.Combine(directory, "secrets"),
            TokensRoot = Path.Combine(directory, "tokens"),
            ApprovalTimeToLive = approvalTtl ?? TimeSpan.FromMinutes(30),
            BundleFilePollInterval = TimeSpan.FromMilliseconds(100),
        }, kube.Client(), loggerFactory: NullLoggerFactory.Instance);
        return new GatewayUnderTest(directory, upstream, kube, gateway);
    }

    public async Task WriteBundleAsync(PolicyBundle bundle) => await File.WriteAllTextAsync(BundlePath, PolicyBundleJson.Serialize(bundle));

    public async Task<string> StartRunAsync()
    {
        using var response = await Http.PostAsJsonAsync("/v1/runs", new { task = "refund order A-1" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
    }

    public async Task<HttpResponseMessage> CallAsync(string runId, string tool, string body, string? idempotencyKey = null, string? approvalId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/runs/{runId}/tools/{tool}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
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

    public Task<ApprovalVerdictOutcome> DecideAsync(string approvalId, string user, ApproverVerdict verdict) =>
        new ApprovalVerdicts(Kube.Client(), TimeProvider.System).RecordAsync("support", approvalId, user, verdict, "test", CancellationToken.None);

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
        await Kube.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
