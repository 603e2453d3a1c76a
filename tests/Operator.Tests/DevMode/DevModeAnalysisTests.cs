using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevMode.Analysis;
using AgentOperator.DevMode.LiveView;
using AgentOperator.DevMode.Pods;
using AgentOperator.Operator.Analysis;

namespace AgentOperator.Operator.Tests.DevMode;

/// <summary>Dev mode on a machine without Prometheus (or told not to use it): the web provider over the gateways' own aggregates.</summary>
public sealed class DevModeAnalysisTests
{
    private const string Aggregates = """{"revisions":[{"workflow":"refund-helper","revision":"r2","runsByOutcome":{"success":1,"escalated":9}}]}""";

    [Fact]
    public async Task StartAsync_PrometheusNotUsed_SaysSoAndAnalysesThroughTheGatewaysAggregates()
    {
        await using var gateway = await AggregatesStub.StartAsync(Aggregates);
        using var output = new StringWriter();
        using var http = new HttpClient();

        await using var analysis = await DevModeAnalysis.StartAsync(() => [Endpoint(gateway.Address)], prometheus: null, http, new PlainProgressLog(output, TimeProvider.System), TimeProvider.System, CancellationToken.None);

        Assert.Contains("Prometheus is not used (--no-prometheus), so canary analysis uses the gateways' own aggregates", output.ToString(), StringComparison.Ordinal);
        await AssertAnalysedThroughTheAggregatesAsync(analysis, http, output);
    }

    [Fact]
    public async Task StartAsync_PrometheusNotInstalled_SaysSoAndAnalysesThroughTheGatewaysAggregates()
    {
        await using var gateway = await AggregatesStub.StartAsync(Aggregates);
        using var output = new StringWriter();
        using var http = new HttpClient();
        var missing = new LocalPrometheusOptions { BinaryPath = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "prometheus") };

        await using var analysis = await DevModeAnalysis.StartAsync(() => [Endpoint(gateway.Address)], missing, http, new PlainProgressLog(output, TimeProvider.System), TimeProvider.System, CancellationToken.None);

        Assert.Contains($"Prometheus is not installed ({missing.BinaryPath}), so canary analysis uses the gateways' own aggregates", output.ToString(), StringComparison.Ordinal);
        await AssertAnalysedThroughTheAggregatesAsync(analysis, http, output);
    }

    // A workflow whose spec names an in-cluster Prometheus is measured through the web provider against the aggregator.
    private static async Task AssertAnalysedThroughTheAggregatesAsync(DevModeAnalysis analysis, HttpClient http, StringWriter output)
    {
        Assert.Null(analysis.Options.PrometheusAddressOverride);
        var url = Assert.IsType<Uri>(analysis.Options.WebUrlOverride);
        Assert.True(url.IsLoopback, url.OriginalString);
        Assert.Contains($"analysed through {new Uri(url.GetLeftPart(UriPartial.Path))}", output.ToString(), StringComparison.Ordinal);

        var spec = new AnalysisSpec { Provider = AnalysisProvider.Prometheus, Prometheus = new PrometheusProvider { Address = "http://prometheus.monitoring.svc:9090" } };
        var provider = new MetricAnalysisProviderFactory(http, analysis.Options, TimeProvider.System).For(spec);
        var escalation = await provider.MeasureAsync(AgentMeasure.EscalationRate, new RevisionScope("support", "refund-helper", "r2", TimeSpan.FromSeconds(30)), CancellationToken.None);

        Assert.Equal(AnalysisProvider.Web, provider.Kind);
        Assert.Equal(0.9, escalation.Value);
        Assert.Equal(10, escalation.SampleSize);
    }

    private static PodGatewayEndpoint Endpoint(Uri metrics) => new("support", "refund-helper-r2-0", "refund-helper", "r2", metrics, metrics);
}
