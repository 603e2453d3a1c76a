using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;

namespace AgentOperator.Operator.Tests.Analysis;

public sealed class MetricResultsTests
{
    private static MetricResult Result(Verdict verdict) => new() { Name = "m", Verdict = verdict };

    [Fact]
    public void Any_failed_metric_fails_the_run() =>
        Assert.Equal(Verdict.Failed, MetricResults.Overall([Result(Verdict.Inconclusive), Result(Verdict.Failed), Result(Verdict.Successful)]));

    [Fact]
    public void Otherwise_any_inconclusive_metric_makes_the_run_inconclusive() =>
        Assert.Equal(Verdict.Inconclusive, MetricResults.Overall([Result(Verdict.Successful), Result(Verdict.Inconclusive)]));

    [Fact]
    public void All_successful_or_none_is_successful()
    {
        Assert.Equal(Verdict.Successful, MetricResults.Overall([Result(Verdict.Successful)]));
        Assert.Equal(Verdict.Successful, MetricResults.Overall([]));
    }

    [Theory]
    [InlineData(0.30000000000000004, "0.3")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1234567.0, "1.23457E+06")]
    public void Values_are_invariant_text(double value, string expected) => Assert.Equal(expected, AnalysisNumber.Format(value));
}
