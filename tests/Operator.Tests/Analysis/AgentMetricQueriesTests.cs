using AgentOperator.Contracts;
using AgentOperator.Operator.Analysis;

namespace AgentOperator.Operator.Tests.Analysis;

public sealed class AgentMetricQueriesTests
{
    private static readonly RevisionScope Canary = new("support", "support-refund", "abc123", TimeSpan.FromMinutes(5));

    private const string Runs = "(sum((last_over_time(agent_runs_total{workflow=\"support-refund\",revision=\"abc123\"}[300s]) - agent_runs_total{workflow=\"support-refund\",revision=\"abc123\"} offset 300s >= 0) or last_over_time(agent_runs_total{workflow=\"support-refund\",revision=\"abc123\"}[300s])) or vector(0))";

    [Fact]
    public void Run_count_is_the_growth_of_each_series_over_the_window_counting_new_series_from_zero()
    {
        Assert.Equal(Runs, AgentMetricQueries.Count(AgentMetrics.Runs, Canary));
    }

    [Fact]
    public void Escalation_rate_is_escalated_runs_over_all_runs_with_runs_as_the_sample()
    {
        var query = AgentMetricQueries.For(AgentMeasure.EscalationRate, Canary);

        Assert.Equal($"{AgentMetricQueries.Count(AgentMetrics.Runs, Canary, "outcome=\"escalated\"")} / {Runs}", query.Value);
        Assert.Contains("agent_runs_total{workflow=\"support-refund\",revision=\"abc123\",outcome=\"escalated\"}[300s]", query.Value, StringComparison.Ordinal);
        Assert.Equal(Runs, query.SampleSize);
    }

    [Fact]
    public void Tool_error_rate_is_error_calls_over_all_calls_with_calls_as_the_sample()
    {
        var query = AgentMetricQueries.For(AgentMeasure.ToolErrorRate, Canary);
        var calls = AgentMetricQueries.Count(AgentMetrics.ToolCalls, Canary);

        Assert.Equal($"{AgentMetricQueries.Count(AgentMetrics.ToolCalls, Canary, "decision=\"error\"")} / {calls}", query.Value);
        Assert.Equal(calls, query.SampleSize);
    }

    [Fact]
    public void Policy_violations_are_counted_over_the_window_with_runs_as_the_sample()
    {
        var query = AgentMetricQueries.For(AgentMeasure.PolicyViolations, Canary);

        Assert.Equal(AgentMetricQueries.Count(AgentMetrics.PolicyViolations, Canary), query.Value);
        Assert.Contains("agent_policy_violations_total{workflow=\"support-refund\",revision=\"abc123\"}", query.Value, StringComparison.Ordinal);
        Assert.Equal(Runs, query.SampleSize);
    }

    [Fact]
    public void Cost_per_successful_task_divides_cost_growth_by_successful_runs()
    {
        var query = AgentMetricQueries.For(AgentMeasure.CostPerSuccessfulTask, Canary);

        Assert.Equal($"{AgentMetricQueries.Count(AgentMetrics.Cost, Canary)} / {AgentMetricQueries.Count(AgentMetrics.Runs, Canary, "outcome=\"success\"")}", query.Value);
        Assert.Equal(Runs, query.SampleSize);
    }

    [Fact]
    public void Eval_pass_rate_is_the_latest_gauge_averaged_over_pods_without_a_sample_query()
    {
        var query = AgentMetricQueries.For(AgentMeasure.EvalPassRate, Canary);

        Assert.Equal("avg(last_over_time(agent_eval_pass_ratio{workflow=\"support-refund\",revision=\"abc123\"}[300s]))", query.Value);
        Assert.Null(query.SampleSize);
    }

    [Fact]
    public void Label_values_are_escaped_so_they_cannot_end_the_string_literal()
    {
        Assert.Equal("workflow=\"a\\\"b\",revision=\"c\\\\d\"", AgentMetricQueries.Selector(Canary with { Workflow = "a\"b", Revision = "c\\d" }));
    }

    [Theory]
    [InlineData(300, "300s")]
    [InlineData(0.4, "1s")]
    [InlineData(90.9, "90s")]
    public void Window_is_whole_seconds_and_at_least_one(double seconds, string expected)
    {
        Assert.Equal(expected, AgentMetricQueries.Window(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Placeholders_are_substituted_in_queries_and_escaped_in_urls()
    {
        var scope = Canary with { Workflow = "a b" };

        Assert.Equal("x{workflow=\"a b\",revision=\"abc123\",namespace=\"support\"}[300s]",
            QueryPlaceholders.Substitute("x{workflow=\"{{workflow}}\",revision=\"{{revision}}\",namespace=\"{{namespace}}\"}[{{window}}]", scope));
        Assert.Equal("http://agg/v1/aggregates?w=a%20b&r=abc123", QueryPlaceholders.SubstituteInUrl("http://agg/v1/aggregates?w={{workflow}}&r={{revision}}", scope));
    }
}
