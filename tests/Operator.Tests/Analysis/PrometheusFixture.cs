using AgentOperator.DevMode.Analysis;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>One real Prometheus (scraping every second) shared by the analysis tests, which run one at a time.</summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    public static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(20);

    private LocalPrometheus? _prometheus;

    internal LocalPrometheus Prometheus => _prometheus ?? throw new InvalidOperationException("the fixture is not initialized");

    public async Task InitializeAsync() =>
        _prometheus = await LocalPrometheus.StartAsync(new LocalPrometheusOptions { ScrapeInterval = TimeSpan.FromSeconds(1) });

    /// <summary>Scrapes exactly these gateways and returns once every one was scraped after the call.</summary>
    public async Task ScrapeAsync(params RevisionGateway[] gateways)
    {
        await Prometheus.SetTargetsAsync(gateways.Select(g => g.MetricsAddress));
        await Prometheus.WaitUntilScrapedAsync(ScrapeTimeout);
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedPrometheus : ICollectionFixture<PrometheusFixture>
{
    public const string Name = "Real Prometheus";
}
