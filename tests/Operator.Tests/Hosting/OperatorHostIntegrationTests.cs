using System.Net;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Hosting;

public sealed class OperatorHostIntegrationTests(DevClusterFixture cluster) : IClassFixture<DevClusterFixture>, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Host_ServesProbesAndMetricsOnTheirOwnPorts()
    {
        var ns = await cluster.CreateNamespaceAsync("host");
        using (var client = cluster.CreateClient())
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "seen" } }, ns);
        }

        await using var host = await OperatorHostHandle.StartAsync(cluster, ns, "host-test");
        await Eventually.TrueAsync(() => host.Reconciler.Calls.Count > 0, "the host never reconciled");
        var health = $"http://127.0.0.1:{host.Options.HealthPort}";
        var metrics = $"http://127.0.0.1:{host.Options.MetricsPort}";

        Assert.Equal("Healthy", await _http.GetStringAsync($"{health}/healthz"));
        Assert.Equal("Healthy", await _http.GetStringAsync($"{health}/readyz"));
        var scrape = await _http.GetStringAsync($"{metrics}/metrics");
        Assert.Contains("agentoperator_leader 1", scrape, StringComparison.Ordinal);
        Assert.Contains("agentoperator_reconcile_total{controller=\"configmap\",result=\"success\"}", scrape, StringComparison.Ordinal);
        Assert.Contains("agentoperator_workqueue_depth{controller=\"configmap\"}", scrape, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{health}/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{metrics}/healthz")).StatusCode);
    }
}
