using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Gateway.Telemetry;
using AgentOperator.Policy.Bundles;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>
/// A real gateway serving one revision of one workflow on loopback ports, driven like an agent would: runs are started
/// and completed through its HTTP API. Tool calls and cost, which need upstreams and models, are recorded on the
/// gateway's own metrics, the ones its /metrics and /v1/aggregates serve.
/// </summary>
public sealed class RevisionGateway : IAsyncDisposable
{
    private readonly string _directory;
    private readonly RunningGateway _gateway;
    private readonly HttpClient _agent;

    private RevisionGateway(string directory, RunningGateway gateway, string workflow, string revision)
    {
        _directory = directory;
        _gateway = gateway;
        Labels = new MetricLabels(workflow, revision);
        _agent = new HttpClient { BaseAddress = gateway.AgentAddress };
    }

    public MetricLabels Labels { get; }

    /// <summary>Base address of the agent API (loopback), for a real agent to call.</summary>
    public Uri AgentAddress => _gateway.AgentAddress;

    /// <summary>Base address of /metrics and /v1/aggregates.</summary>
    public Uri MetricsAddress => _gateway.MetricsAddress;

    public Uri AggregatesUrl => new(_gateway.MetricsAddress, "/v1/aggregates");

    public static async Task<RevisionGateway> StartAsync(string workflow, string revision)
    {
        var directory = Directory.CreateTempSubdirectory("analysis-gateway-").FullName;
        var bundle = new PolicyBundle
        {
            Workflow = new BundleWorkflow("analysis", workflow),
            Revision = revision,
            Budgets = new Budgets(),
        };
        var bundlePath = Path.Combine(directory, "bundle.json");
        await File.WriteAllTextAsync(bundlePath, PolicyBundleJson.Serialize(bundle));
        var gateway = await GatewayHost.StartAsync(new GatewayOptions
        {
            BundlePath = bundlePath,
            AuditPath = Path.Combine(directory, "audit.jsonl"),
            MetricsBindAddress = "127.0.0.1",
            SecretsRoot = Path.Combine(directory, "secrets"),
            TokensRoot = Path.Combine(directory, "tokens"),
        }, loggerFactory: NullLoggerFactory.Instance);
        return new RevisionGateway(directory, gateway, workflow, revision);
    }

    /// <summary>Starts and completes <paramref name="count"/> runs with <paramref name="outcome"/> (success, escalated, failed).</summary>
    public async Task RunsAsync(int count, string outcome, bool? evalPassed = null)
    {
        for (var i = 0; i < count; i++)
        {
            using var started = await _agent.PostAsJsonAsync("/v1/runs", new { task = $"task {i}" });
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            var runId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
            using var completed = await _agent.PostAsJsonAsync($"/v1/runs/{runId}/complete", new { outcome, evalPassed });
            Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        }
    }

    /// <summary>Records tool calls with <paramref name="decision"/> (allow, deny, escalate, error).</summary>
    public void ToolCalls(int count, string decision)
    {
        for (var i = 0; i < count; i++)
        {
            _gateway.Metrics.ToolCall(Labels, "orders.lookup", decision, TimeSpan.FromMilliseconds(5));
        }
    }

    public void Cost(decimal usd) => _gateway.Metrics.Cost(Labels, usd);

    public void PolicyViolations(int count, string rule)
    {
        for (var i = 0; i < count; i++)
        {
            _gateway.Metrics.PolicyViolation(Labels, rule);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _agent.Dispose();
        await _gateway.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
