using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static AgentOperator.Operator.Tests.Analysis.AnalysisScenario;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>Verdict rules of CanaryAnalyzer over a scripted provider.</summary>
public sealed class CanaryAnalyzerTests
{
    private static readonly RevisionScope Canary = Scope("wf", "canary1");
    private static readonly RevisionScope Stable = Scope("wf", "stable1");
    private readonly ScriptedMetricProvider _provider = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    private CanaryAnalyzer Analyzer() => new(_provider, _time, NullLogger<CanaryAnalyzer>.Instance);

    private static AnalysisSpec Spec(AgentThresholds? thresholds = null, IReadOnlyList<RelativeCheck>? relative = null, IReadOnlyList<CustomMetric>? metrics = null) =>
        PrometheusSpec(new Uri("http://prometheus.invalid:9090"), thresholds, relative, metrics);

    [Fact]
    public async Task Run_records_the_canary_revision_and_the_time_from_the_time_provider()
    {
        _provider.Measures[(AgentMeasure.EscalationRate, "canary1")] = new Measurement(0.1, 10);

        var run = await Analyzer().AnalyzeAsync(Spec(new AgentThresholds { MaxEscalationRate = 0.2 }), Canary, Stable, null, CancellationToken.None);

        Assert.Equal("canary1", run.Revision);
        Assert.Equal(_time.GetUtcNow(), run.Time);
        Assert.Equal(Verdict.Successful, run.Verdict);
        Assert.Equal("maxEscalationRate is 0.1 over 10 runs of revision canary1, within <= 0.2.", Metric(run, "maxEscalationRate").Message);
    }

    [Fact]
    public async Task Value_equal_to_the_threshold_passes()
    {
        _provider.Measures[(AgentMeasure.EscalationRate, "canary1")] = new Measurement(0.2, 10);
        _provider.Measures[(AgentMeasure.EvalPassRate, "canary1")] = new Measurement(0.9, 1);

        var run = await Analyzer().AnalyzeAsync(Spec(new AgentThresholds { MaxEscalationRate = 0.2, MinEvalPassRate = 0.9 }), Canary, Stable, null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Successful, Describe(run));
    }

    [Fact]
    public async Task Eval_pass_rate_from_prometheus_wins_over_the_eval_job()
    {
        _provider.Measures[(AgentMeasure.EvalPassRate, "canary1")] = new Measurement(0.95, 1);

        var run = await Analyzer().AnalyzeAsync(Spec(new AgentThresholds { MinEvalPassRate = 0.9 }), Canary, Stable, 0.5, CancellationToken.None);

        Assert.Equal("0.95", Metric(run, "minEvalPassRate").Value);
        Assert.Equal("minEvalPassRate is 0.95 from agent_eval_pass_ratio of revision canary1, within >= 0.9.", Metric(run, "minEvalPassRate").Message);
        Assert.Equal(Verdict.Successful, run.Verdict);
    }

    [Fact]
    public async Task Eval_pass_rate_without_prometheus_data_or_eval_job_is_inconclusive()
    {
        var run = await Analyzer().AnalyzeAsync(Spec(new AgentThresholds { MinEvalPassRate = 0.9 }), Canary, Stable, null, CancellationToken.None);

        Assert.Equal(Verdict.Inconclusive, Metric(run, "minEvalPassRate").Verdict);
    }

    [Fact]
    public async Task Traffic_without_a_value_is_inconclusive()
    {
        // 0 successes and 0 cost: cost per successful task is 0/0.
        _provider.Measures[(AgentMeasure.CostPerSuccessfulTask, "canary1")] = new Measurement(null, 3);

        var run = await Analyzer().AnalyzeAsync(Spec(new AgentThresholds { MaxCostPerSuccessfulTaskUsd = 0.1 }), Canary, Stable, null, CancellationToken.None);

        var cost = Metric(run, "maxCostPerSuccessfulTaskUsd");
        Assert.Equal(Verdict.Inconclusive, cost.Verdict);
        Assert.Equal("maxCostPerSuccessfulTaskUsd has no value for revision canary1 (over 3 runs), so there is no verdict against <= 0.1.", cost.Message);
    }

    [Fact]
    public async Task Relative_check_against_a_stable_of_zero_fails_any_canary_value_above_zero()
    {
        _provider.Measures[(AgentMeasure.ToolErrorRate, "stable1")] = new Measurement(0, 100);
        _provider.Measures[(AgentMeasure.ToolErrorRate, "canary1")] = new Measurement(0.05, 20);
        var spec = Spec(relative: [new RelativeCheck { Metric = AgentMetric.ToolErrorRate, MaxRatio = 2, MinSampleSize = 20 }]);

        var run = await Analyzer().AnalyzeAsync(spec, Canary, Stable, null, CancellationToken.None);

        var relative = Metric(run, "toolErrorRateVsStable");
        Assert.Equal(Verdict.Failed, relative.Verdict);
        Assert.Equal("<= 0 (stable 0 × 2)", relative.Threshold);
        Assert.Contains("over 20 tool calls", relative.Message, StringComparison.Ordinal);
        Assert.Contains("stable is 0, so any canary value above 0 fails", relative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relative_check_against_a_stable_of_zero_passes_a_canary_of_zero()
    {
        _provider.Measures[(AgentMeasure.PolicyViolationRate, "stable1")] = new Measurement(0, 100);
        _provider.Measures[(AgentMeasure.PolicyViolationRate, "canary1")] = new Measurement(0, 20);
        var spec = Spec(relative: [new RelativeCheck { Metric = AgentMetric.PolicyViolationRate, MaxRatio = 1.2, MinSampleSize = 20 }]);

        var run = await Analyzer().AnalyzeAsync(spec, Canary, Stable, null, CancellationToken.None);

        Assert.Equal(Verdict.Successful, Metric(run, "policyViolationRateVsStable").Verdict);
    }

    [Fact]
    public async Task Relative_check_below_sample_size_on_the_stable_side_is_inconclusive()
    {
        _provider.Measures[(AgentMeasure.CostPerSuccessfulTask, "stable1")] = new Measurement(0.1, 5);
        _provider.Measures[(AgentMeasure.CostPerSuccessfulTask, "canary1")] = new Measurement(0.5, 50);
        var spec = Spec(relative: [new RelativeCheck { Metric = AgentMetric.CostPerSuccessfulTask, MaxRatio = 1.2, MinSampleSize = 20 }]);

        var run = await Analyzer().AnalyzeAsync(spec, Canary, Stable, null, CancellationToken.None);

        Assert.Equal(Verdict.Inconclusive, Metric(run, "costPerSuccessfulTaskVsStable").Verdict);
    }

    [Fact]
    public async Task Unavailable_source_stops_querying_and_lists_every_check_as_inconclusive()
    {
        _provider.Failure = new AnalysisSourceUnavailableException("Prometheus at http://p/ is unreachable: connection refused");
        var spec = Spec(new AgentThresholds { MaxEscalationRate = 0.2, MaxToolErrorRate = 0.1 },
            [new RelativeCheck { Metric = AgentMetric.EscalationRate, MaxRatio = 1.2 }],
            [new CustomMetric { Name = "p95", Query = "q", SuccessCondition = "result < 1.0" }]);

        var run = await Analyzer().AnalyzeAsync(spec, Canary, Stable, null, CancellationToken.None);

        Assert.Equal(1, _provider.Calls);
        Assert.Equal(Verdict.Inconclusive, run.Verdict);
        Assert.Equal(["maxEscalationRate", "maxToolErrorRate", "escalationRateVsStable", "p95"], run.Metrics!.Select(m => m.Name));
        Assert.Equal(["<= 0.2", "<= 0.1", "<= stable × 1.2", "result < 1.0"], run.Metrics!.Select(m => m.Threshold!));
        Assert.All(run.Metrics!, m => Assert.EndsWith("unavailable: Prometheus at http://p/ is unreachable: connection refused", m.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Custom_metric_condition_that_is_not_boolean_fails_with_the_reason()
    {
        _provider.Queries["q"] = 2;

        var run = await Analyzer().AnalyzeAsync(Spec(metrics: [new CustomMetric { Name = "m", Query = "q", SuccessCondition = "result + 1.0" }]), Canary, Stable, null, CancellationToken.None);

        var metric = Metric(run, "m");
        Assert.Equal(Verdict.Failed, metric.Verdict);
        Assert.Contains("not a boolean", metric.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Custom_metric_condition_with_an_unknown_function_does_not_compile()
    {
        _provider.Queries["q"] = 2;

        var run = await Analyzer().AnalyzeAsync(Spec(metrics: [new CustomMetric { Name = "m", Query = "q", SuccessCondition = "lessThan(result, 1.0)" }]), Canary, Stable, null, CancellationToken.None);

        Assert.Equal("m's success condition 'lessThan(result, 1.0)' does not compile: unknown function 'lessThan'", Metric(run, "m").Message);
    }

    [Fact]
    public async Task Custom_metric_query_placeholders_name_the_canary()
    {
        _provider.Queries["x{workflow=\"wf\",revision=\"canary1\",namespace=\"analysis\"}[60s]"] = 0.01;

        var run = await Analyzer().AnalyzeAsync(Spec(metrics: [new CustomMetric { Name = "m", Query = "x{workflow=\"{{workflow}}\",revision=\"{{revision}}\",namespace=\"{{namespace}}\"}[{{window}}]", SuccessCondition = "result < 0.05" }]),
            Canary, Stable, null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Successful, Describe(run));
    }

    [Fact]
    public async Task Infinite_custom_value_is_judged_by_the_condition()
    {
        _provider.Queries["q"] = double.PositiveInfinity;

        var run = await Analyzer().AnalyzeAsync(Spec(metrics: [new CustomMetric { Name = "m", Query = "q", SuccessCondition = "result < 20.0" }]), Canary, Stable, null, CancellationToken.None);

        Assert.Equal(Verdict.Failed, Metric(run, "m").Verdict);
        Assert.Equal("+Inf", Metric(run, "m").Value);
    }

    [Fact]
    public async Task Spec_without_checks_is_successful_with_no_metrics()
    {
        var run = await Analyzer().AnalyzeAsync(Spec(), Canary, Stable, null, CancellationToken.None);

        Assert.Equal(Verdict.Successful, run.Verdict);
        Assert.Empty(run.Metrics!);
    }
}
