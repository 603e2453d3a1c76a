using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using static AgentOperator.Operator.Tests.Analysis.AnalysisScenario;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>The web provider against a real gateway's /v1/aggregates.</summary>
public sealed class WebAnalysisProviderTests
{
    private static AnalysisSpec WebSpec(string url, AgentThresholds? thresholds = null, IReadOnlyList<CustomMetric>? metrics = null) => new()
    {
        Provider = AnalysisProvider.Web,
        Web = new WebProvider { Url = url, TimeoutSeconds = 5 },
        Thresholds = thresholds,
        Metrics = metrics,
    };

    [Fact]
    public async Task Web_provider_judges_a_real_gateways_aggregates()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(3, "success", evalPassed: true);
        await canary.RunsAsync(1, "escalated", evalPassed: false);
        canary.ToolCalls(10, "allow");
        canary.Cost(0.3m);
        var spec = WebSpec(canary.AggregatesUrl.AbsoluteUri, new AgentThresholds
        {
            MinEvalPassRate = 0.7,
            MaxEscalationRate = 0.2,
            MaxPolicyViolations = 0,
            MaxCostPerSuccessfulTaskUsd = 0.25,
            MaxToolErrorRate = 0.05,
        });

        var run = await Analyzer(new AnalysisOptions()).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Failed, Describe(run));
        Assert.Equal("0.75", Metric(run, "minEvalPassRate").Value);
        Assert.Equal(Verdict.Successful, Metric(run, "minEvalPassRate").Verdict);
        Assert.Equal("0.25", Metric(run, "maxEscalationRate").Value);
        Assert.Equal(Verdict.Failed, Metric(run, "maxEscalationRate").Verdict);
        Assert.Equal("0.1", Metric(run, "maxCostPerSuccessfulTaskUsd").Value);
        Assert.Equal(Verdict.Successful, Metric(run, "maxToolErrorRate").Verdict);
        Assert.Equal(Verdict.Successful, Metric(run, "maxPolicyViolations").Verdict);
    }

    [Fact]
    public async Task Web_provider_without_traffic_for_the_revision_is_inconclusive()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(2, "success");

        var run = await Analyzer(new AnalysisOptions()).AnalyzeAsync(WebSpec(canary.AggregatesUrl.AbsoluteUri, new AgentThresholds { MaxEscalationRate = 0.2 }),
            Scope(workflow, "other-revision"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Inconclusive, Describe(run));
    }

    [Fact]
    public async Task Web_custom_metric_reads_a_json_path_with_placeholders_in_the_url()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(1, "success");
        canary.Cost(0.4m);
        var url = canary.AggregatesUrl.AbsoluteUri + "?workflow={{workflow}}&revision={{revision}}";
        var spec = WebSpec(url, metrics:
        [
            new CustomMetric { Name = "cost", Query = "$.revisions[0].costUsd", SuccessCondition = "result < 0.5" },
            new CustomMetric { Name = "successes", Query = "$.revisions[0]['runsByOutcome'].success", SuccessCondition = "result >= 2.0" },
            new CustomMetric { Name = "missing", Query = "$.revisions[5].costUsd", SuccessCondition = "result < 0.5" },
        ]);

        var run = await Analyzer(new AnalysisOptions()).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.Equal(Verdict.Successful, Metric(run, "cost").Verdict);
        Assert.Equal("0.4", Metric(run, "cost").Value);
        Assert.Equal(Verdict.Failed, Metric(run, "successes").Verdict);
        Assert.Equal(Verdict.Inconclusive, Metric(run, "missing").Verdict);
        Assert.True(run.Verdict == Verdict.Failed, Describe(run));
    }

    [Fact]
    public async Task Unreachable_web_endpoint_is_inconclusive_with_the_reason()
    {
        var gone = await RevisionGateway.StartAsync(NewWorkflow(), "canary1");
        var url = gone.AggregatesUrl.AbsoluteUri;
        await gone.DisposeAsync();

        var run = await Analyzer(new AnalysisOptions()).AnalyzeAsync(WebSpec(url, new AgentThresholds { MaxEscalationRate = 0.2 }), Scope("wf", "canary1"), Scope("wf", "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Inconclusive, Describe(run));
        Assert.Contains("is unreachable", Metric(run, "maxEscalationRate").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Web_override_judges_a_prometheus_spec_by_the_aggregates_and_skips_its_promql_metrics()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(4, "success");
        var spec = PrometheusSpec(new Uri("http://prometheus.invalid:9090"), new AgentThresholds { MaxEscalationRate = 0.2 },
            metrics: [new CustomMetric { Name = "p95", Query = "histogram_quantile(0.95, sum by (le) (rate(agent_run_duration_seconds_bucket[5m])))", SuccessCondition = "result < 20.0" }]);

        var run = await Analyzer(new AnalysisOptions { WebUrlOverride = canary.AggregatesUrl }).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Successful, Describe(run));
        Assert.Equal("0", Metric(run, "maxEscalationRate").Value);
        Assert.Contains("was not evaluated", Metric(run, "p95").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Web_url_that_is_not_absolute_http_is_inconclusive_naming_it()
    {
        var run = await Analyzer(new AnalysisOptions()).AnalyzeAsync(WebSpec("gateway:9090/v1/aggregates", new AgentThresholds { MaxEscalationRate = 0.2 }),
            Scope("wf", "canary1"), Scope("wf", "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Inconclusive, Describe(run));
        Assert.Contains("'gateway:9090/v1/aggregates' is not an absolute http(s) URL", Metric(run, "maxEscalationRate").Message, StringComparison.Ordinal);
    }
}
