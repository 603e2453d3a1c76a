using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;

namespace AgentOperator.Operator.Tests.Analysis;

public sealed class MetricAnalysisProviderFactoryTests
{
    private static readonly HttpClient Http = new();

    private static IMetricAnalysisProvider For(AnalysisSpec spec, AnalysisOptions? options = null) =>
        new MetricAnalysisProviderFactory(Http, options ?? new AnalysisOptions(), TimeProvider.System).For(spec);

    private static readonly AnalysisSpec WebSpec = new() { Provider = AnalysisProvider.Web, Web = new WebProvider { Url = "http://agg/v1/aggregates" } };
    private static readonly AnalysisSpec PrometheusSpec = new() { Prometheus = new PrometheusProvider { Address = "http://prometheus:9090" } };

    [Fact]
    public void Spec_provider_is_used_without_overrides()
    {
        Assert.IsType<PrometheusAnalysisProvider>(For(PrometheusSpec));
        Assert.IsType<WebAnalysisProvider>(For(WebSpec));
    }

    [Fact]
    public void Prometheus_override_replaces_any_provider()
    {
        var options = new AnalysisOptions { PrometheusAddressOverride = new Uri("http://127.0.0.1:9999"), WebUrlOverride = new Uri("http://127.0.0.1:8888/v1/aggregates") };

        Assert.IsType<PrometheusAnalysisProvider>(For(WebSpec, options));
    }

    [Fact]
    public void Web_override_replaces_a_prometheus_provider()
    {
        Assert.IsType<WebAnalysisProvider>(For(PrometheusSpec, new AnalysisOptions { WebUrlOverride = new Uri("http://127.0.0.1:8888/v1/aggregates") }));
    }

    [Fact]
    public async Task Spec_without_its_connection_reports_the_source_unavailable()
    {
        var provider = For(new AnalysisSpec { Provider = AnalysisProvider.Prometheus });

        var error = await Assert.ThrowsAsync<AnalysisSourceUnavailableException>(() => provider.QueryAsync("up", new RevisionScope("n", "w", "r", TimeSpan.FromMinutes(1)), CancellationToken.None));

        Assert.Contains("analysis.prometheus.address", error.Message, StringComparison.Ordinal);
    }
}
