using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevMode.Analysis;
using static AgentOperator.Operator.Tests.Analysis.AnalysisScenario;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>A Prometheus of its own, stopped mid-analysis.</summary>
public sealed class PrometheusUnavailableTests
{
    [Fact]
    public async Task Stopped_prometheus_makes_every_metric_inconclusive_with_the_reason()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(4, "escalated");
        await using var prometheus = await LocalPrometheus.StartAsync(new LocalPrometheusOptions { ScrapeInterval = TimeSpan.FromSeconds(1) });
        await prometheus.SetTargetsAsync([canary.MetricsAddress]);
        await prometheus.WaitUntilScrapedAsync(PrometheusFixture.ScrapeTimeout);
        var spec = PrometheusSpec(prometheus.Address,
            new AgentThresholds { MaxEscalationRate = 0.2, MaxToolErrorRate = 0.1 },
            metrics: [new CustomMetric { Name = "runs", Query = "vector(1)", SuccessCondition = "result > 0.0" }]);
        var analyzer = Analyzer(prometheus.Address);
        var before = await analyzer.AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);
        Assert.True(before.Verdict == Verdict.Failed, Describe(before));

        await prometheus.StopAsync();
        var after = await analyzer.AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(after.Verdict == Verdict.Inconclusive, Describe(after));
        Assert.Equal(["maxEscalationRate", "maxToolErrorRate", "runs"], after.Metrics!.Select(m => m.Name));
        Assert.All(after.Metrics!, m =>
        {
            Assert.Equal(Verdict.Inconclusive, m.Verdict);
            Assert.Contains("the metric source is unavailable: Prometheus at " + prometheus.Address, m.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Prometheus_that_does_not_answer_within_the_timeout_is_unavailable()
    {
        // A listener that accepts connections and never answers: the spec's timeout, not the operator's patience, ends the query.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var address = new Uri($"http://{silent.LocalEndpoint}/");
        var spec = PrometheusSpec(address, new AgentThresholds { MaxEscalationRate = 0.2 }) with { Prometheus = new PrometheusProvider { Address = address.AbsoluteUri, TimeoutSeconds = 1 } };
        var started = DateTime.UtcNow;

        var run = await Analyzer(new Operator.Analysis.AnalysisOptions()).AnalyzeAsync(spec, Scope("wf", "canary1"), Scope("wf", "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Inconclusive, Describe(run));
        Assert.Contains("did not answer within 1 s", Metric(run, "maxEscalationRate").Message, StringComparison.Ordinal);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Cancelled_analysis_is_cancelled_not_inconclusive()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var address = new Uri($"http://{silent.LocalEndpoint}/");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Analyzer(address).AnalyzeAsync(PrometheusSpec(address, new AgentThresholds { MaxEscalationRate = 0.2 }), Scope("wf", "canary1"), Scope("wf", "stable1"), null, cancellation.Token));
    }
}
