using AgentOperator.Crds.V1Alpha1;
using AgentOperator.SampleAgent;
using static AgentOperator.Operator.Tests.Analysis.AnalysisScenario;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>CanaryAnalyzer against a real Prometheus scraping real gateways.</summary>
[Collection(SharedPrometheus.Name)]
public sealed class CanaryAnalyzerPrometheusTests(PrometheusFixture fixture)
{
    private static readonly AgentThresholds AllThresholds = new()
    {
        MinEvalPassRate = 0.9,
        MaxEscalationRate = 0.2,
        MaxPolicyViolations = 0,
        MaxCostPerSuccessfulTaskUsd = 0.25,
        MaxToolErrorRate = 0.05,
    };

    private Uri Address => fixture.Prometheus.Address;

    [Fact]
    public async Task Good_canary_within_every_threshold_is_successful()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(10, "success", evalPassed: true);
        canary.ToolCalls(20, "allow");
        canary.Cost(0.5m);
        await fixture.ScrapeAsync(canary);

        var run = await Analyzer(Address).AnalyzeAsync(PrometheusSpec(Address, AllThresholds), Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Successful, Describe(run));
        Assert.Equal(5, run.Metrics!.Count);
        Assert.Equal("canary1", run.Revision);
        Assert.Equal("0", Metric(run, "maxEscalationRate").Value);
        Assert.Equal("0.05", Metric(run, "maxCostPerSuccessfulTaskUsd").Value);
        Assert.Equal("1", Metric(run, "minEvalPassRate").Value);
        Assert.Equal(">= 0.9", Metric(run, "minEvalPassRate").Threshold);
    }

    [Fact]
    public async Task Escalation_rate_above_threshold_fails_with_value_and_threshold()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(2, "success");
        await canary.RunsAsync(2, "escalated");
        await fixture.ScrapeAsync(canary);

        var run = await Analyzer(Address).AnalyzeAsync(PrometheusSpec(Address, new AgentThresholds { MaxEscalationRate = 0.2 }), Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Failed, Describe(run));
        var escalation = Metric(run, "maxEscalationRate");
        Assert.Equal(Verdict.Failed, escalation.Verdict);
        Assert.Equal("0.5", escalation.Value);
        Assert.Equal("<= 0.2", escalation.Threshold);
        Assert.Contains("maxEscalationRate is 0.5 over 4 runs", escalation.Message, StringComparison.Ordinal);
        Assert.Contains("<= 0.2", escalation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sample_agent_escalating_half_its_runs_breaches_the_escalation_threshold()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        using var agent = new HttpClient { BaseAddress = canary.AgentAddress };
        // The sample agent's rates are exact over each block of 100 runs: 50 escalated, 50 successful.
        var report = await SampleAgentRunner.RunAsync(new SampleAgentOptions { EscalationRate = 0.5, MaxRuns = 100, TasksPerMinute = 0, GatewayUrl = canary.AgentAddress },
            agent, TimeProvider.System, log: null, CancellationToken.None);
        await fixture.ScrapeAsync(canary);

        var run = await Analyzer(Address).AnalyzeAsync(PrometheusSpec(Address, new AgentThresholds { MaxEscalationRate = 0.2 }), Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        var escalation = Metric(run, "maxEscalationRate");
        Assert.True(escalation.Verdict == Verdict.Failed, $"{Describe(run)}{Environment.NewLine}agent: {report}");
        Assert.Equal("maxEscalationRate is 0.5 over 100 runs of revision canary1, breaching <= 0.2.", escalation.Message);
    }

    [Fact]
    public async Task Canary_without_traffic_is_inconclusive_not_a_pass()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await fixture.ScrapeAsync(canary);

        var run = await Analyzer(Address).AnalyzeAsync(PrometheusSpec(Address, AllThresholds), Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Inconclusive, Describe(run));
        Assert.All(run.Metrics!, m => Assert.Equal(Verdict.Inconclusive, m.Verdict));
        Assert.Contains("no runs", Metric(run, "maxEscalationRate").Message, StringComparison.Ordinal);
        Assert.Contains("no tool calls", Metric(run, "maxToolErrorRate").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Money_spent_without_any_success_is_an_infinite_cost_per_task_and_fails()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(3, "failed");
        canary.Cost(0.3m);
        await fixture.ScrapeAsync(canary);

        var run = await Analyzer(Address).AnalyzeAsync(PrometheusSpec(Address, new AgentThresholds { MaxCostPerSuccessfulTaskUsd = 0.25 }), Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        var cost = Metric(run, "maxCostPerSuccessfulTaskUsd");
        Assert.True(cost.Verdict == Verdict.Failed, Describe(run));
        Assert.Equal("+Inf", cost.Value);
    }

    [Fact]
    public async Task Tool_errors_and_policy_violations_above_their_limits_fail()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(4, "success");
        canary.ToolCalls(8, "allow");
        canary.ToolCalls(2, "error");
        canary.PolicyViolations(1, "refund-limit");
        await fixture.ScrapeAsync(canary);

        var run = await Analyzer(Address).AnalyzeAsync(PrometheusSpec(Address, new AgentThresholds { MaxToolErrorRate = 0.05, MaxPolicyViolations = 0 }), Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Failed, Describe(run));
        Assert.Equal("0.2", Metric(run, "maxToolErrorRate").Value);
        Assert.Contains("over 10 tool calls", Metric(run, "maxToolErrorRate").Message, StringComparison.Ordinal);
        Assert.Equal("1", Metric(run, "maxPolicyViolations").Value);
        Assert.Equal(Verdict.Failed, Metric(run, "maxPolicyViolations").Verdict);
    }

    [Fact]
    public async Task Eval_pass_rate_comes_from_the_eval_job_when_prometheus_has_none()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(2, "success");
        await fixture.ScrapeAsync(canary);

        var run = await Analyzer(Address).AnalyzeAsync(PrometheusSpec(Address, new AgentThresholds { MinEvalPassRate = 0.9 }), Scope(workflow, "canary1"), Scope(workflow, "stable1"), 0.8, CancellationToken.None);

        var eval = Metric(run, "minEvalPassRate");
        Assert.True(eval.Verdict == Verdict.Failed, Describe(run));
        Assert.Equal("0.8", eval.Value);
        Assert.Contains("from the eval Job", eval.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relative_check_worse_than_stable_times_ratio_fails()
    {
        var workflow = NewWorkflow();
        await using var stable = await RevisionGateway.StartAsync(workflow, "stable1");
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await stable.RunsAsync(18, "success");
        await stable.RunsAsync(2, "escalated");
        await canary.RunsAsync(14, "success");
        await canary.RunsAsync(6, "escalated");
        await fixture.ScrapeAsync(stable, canary);
        var spec = PrometheusSpec(Address, relative: [new RelativeCheck { Metric = AgentMetric.EscalationRate, MaxRatio = 1.5, MinSampleSize = 20 }]);

        var run = await Analyzer(Address).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        var relative = Metric(run, "escalationRateVsStable");
        Assert.True(relative.Verdict == Verdict.Failed, Describe(run));
        Assert.Equal("0.3", relative.Value);
        Assert.Equal("<= 0.15 (stable 0.1 × 1.5)", relative.Threshold);
        Assert.Contains("above stable stable1's 0.1 × 1.5 = 0.15", relative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relative_check_within_stable_times_ratio_succeeds()
    {
        var workflow = NewWorkflow();
        await using var stable = await RevisionGateway.StartAsync(workflow, "stable1");
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await stable.RunsAsync(16, "success");
        await stable.RunsAsync(4, "escalated");
        await canary.RunsAsync(15, "success");
        await canary.RunsAsync(5, "escalated");
        await fixture.ScrapeAsync(stable, canary);
        var spec = PrometheusSpec(Address, relative: [new RelativeCheck { Metric = AgentMetric.EscalationRate, MaxRatio = 1.5, MinSampleSize = 20 }]);

        var run = await Analyzer(Address).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Successful, Describe(run));
        Assert.Equal("<= 0.3 (stable 0.2 × 1.5)", Metric(run, "escalationRateVsStable").Threshold);
    }

    [Fact]
    public async Task Relative_check_below_minimum_sample_size_is_inconclusive()
    {
        var workflow = NewWorkflow();
        await using var stable = await RevisionGateway.StartAsync(workflow, "stable1");
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await stable.RunsAsync(20, "success");
        await canary.RunsAsync(5, "escalated");
        await fixture.ScrapeAsync(stable, canary);
        var spec = PrometheusSpec(Address, relative: [new RelativeCheck { Metric = AgentMetric.EscalationRate, MaxRatio = 1.2, MinSampleSize = 20 }]);

        var run = await Analyzer(Address).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        var relative = Metric(run, "escalationRateVsStable");
        Assert.True(relative.Verdict == Verdict.Inconclusive, Describe(run));
        Assert.Contains("needs 20 runs on each side; canary canary1 has 5, stable stable1 has 20", relative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Custom_metric_is_judged_by_its_cel_condition()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(3, "success");
        await fixture.ScrapeAsync(canary);
        const string RunsQuery = "sum(agent_runs_total{workflow=\"{{workflow}}\",revision=\"{{revision}}\"})";
        var spec = PrometheusSpec(Address, metrics:
        [
            new CustomMetric { Name = "enough-runs", Query = RunsQuery, SuccessCondition = "result >= 3.0" },
            new CustomMetric { Name = "few-runs", Query = RunsQuery, SuccessCondition = "result < 2" },
        ]);

        var run = await Analyzer(Address).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Failed, Describe(run));
        Assert.Equal(Verdict.Successful, Metric(run, "enough-runs").Verdict);
        Assert.Equal("3", Metric(run, "enough-runs").Value);
        Assert.Equal("result >= 3.0", Metric(run, "enough-runs").Threshold);
        Assert.Equal(Verdict.Failed, Metric(run, "few-runs").Verdict);
        Assert.Equal("few-runs is 3 for revision canary1, failing 'result < 2'.", Metric(run, "few-runs").Message);
    }

    [Fact]
    public async Task Custom_metric_whose_condition_does_not_compile_fails_with_the_compiler_message()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(1, "success");
        await fixture.ScrapeAsync(canary);
        var spec = PrometheusSpec(Address, metrics: [new CustomMetric { Name = "broken", Query = "vector(1)", SuccessCondition = "result <" }]);

        var run = await Analyzer(Address).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        var broken = Metric(run, "broken");
        Assert.True(broken.Verdict == Verdict.Failed, Describe(run));
        Assert.StartsWith("broken's success condition 'result <' does not compile: ", broken.Message, StringComparison.Ordinal);
        Assert.True(broken.Message!.Length > "broken's success condition 'result <' does not compile: ".Length, "the compiler's message is missing");
    }

    [Fact]
    public async Task Custom_query_that_prometheus_rejects_fails_with_its_error()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await fixture.ScrapeAsync(canary);
        var spec = PrometheusSpec(Address, metrics: [new CustomMetric { Name = "typo", Query = "sum(agent_runs_total", SuccessCondition = "result < 1.0" }]);

        var run = await Analyzer(Address).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        var typo = Metric(run, "typo");
        Assert.True(typo.Verdict == Verdict.Failed, Describe(run));
        Assert.Contains("Prometheus rejected the query", typo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Window_placeholder_is_substituted_in_custom_queries()
    {
        var workflow = NewWorkflow();
        await using var canary = await RevisionGateway.StartAsync(workflow, "canary1");
        await canary.RunsAsync(2, "escalated");
        await fixture.ScrapeAsync(canary);
        var spec = PrometheusSpec(Address, metrics:
        [
            new CustomMetric { Name = "escalated", Query = "sum(max_over_time(agent_runs_total{workflow=\"{{workflow}}\",revision=\"{{revision}}\",outcome=\"escalated\"}[{{window}}]))", SuccessCondition = "result == 2.0" },
        ]);

        var run = await Analyzer(Address).AnalyzeAsync(spec, Scope(workflow, "canary1"), Scope(workflow, "stable1"), null, CancellationToken.None);

        Assert.True(run.Verdict == Verdict.Successful, Describe(run));
    }
}
