using AgentOperator.DevMode.Analysis;
using AgentOperator.DevMode.LiveView;
using k8s;

namespace AgentOperator.Operator.Tests.DevMode;

/// <summary>Dev mode on a machine without Prometheus: it says canaries wait, and starts no analysis source.</summary>
public sealed class DevModeAnalysisTests
{
    [Fact]
    public async Task Without_prometheus_installed_dev_mode_says_canaries_wait_and_starts_no_analysis()
    {
        using var output = new StringWriter();
        using var admin = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:9" });
        var missing = new LocalPrometheusOptions { BinaryPath = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "prometheus") };

        var analysis = await DevModeAnalysis.StartAsync(admin, missing, new PlainProgressLog(output, TimeProvider.System), TimeProvider.System, CancellationToken.None);

        Assert.Null(analysis);
        Assert.Contains($"Prometheus is not installed ({missing.BinaryPath}): canary analysis has no data, so canaries wait on their step", output.ToString(), StringComparison.Ordinal);
    }
}
