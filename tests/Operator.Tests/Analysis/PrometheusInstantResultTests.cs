using AgentOperator.Operator.Analysis;

namespace AgentOperator.Operator.Tests.Analysis;

public sealed class PrometheusInstantResultTests
{
    private static string Vector(params string[] values) =>
        """{"status":"success","data":{"resultType":"vector","result":["""
        + string.Join(",", values.Select((v, i) => $$"""{"metric":{"i":"{{i}}"},"value":[1700000000.5,"{{v}}"]}"""))
        + "]}}";

    [Fact]
    public void Empty_vector_is_no_data() => Assert.Null(PrometheusAnalysisProvider.ParseInstantResult(Vector(), "q"));

    [Fact]
    public void NaN_is_no_data() => Assert.Null(PrometheusAnalysisProvider.ParseInstantResult(Vector("NaN"), "q"));

    [Theory]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("0.25", 0.25)]
    [InlineData("1e3", 1000)]
    public void Sample_values_are_read_as_prometheus_spells_them(string text, double expected) =>
        Assert.Equal(expected, PrometheusAnalysisProvider.ParseInstantResult(Vector(text), "q"));

    [Fact]
    public void Scalar_result_is_a_value() =>
        Assert.Equal(3, PrometheusAnalysisProvider.ParseInstantResult("""{"status":"success","data":{"resultType":"scalar","result":[1700000000,"3"]}}""", "q"));

    [Fact]
    public void Several_series_are_a_query_defect_naming_the_query()
    {
        var error = Assert.Throws<AnalysisQueryException>(() => PrometheusAnalysisProvider.ParseInstantResult(Vector("1", "2"), "agent_runs_total"));

        Assert.Contains("2 series", error.Message, StringComparison.Ordinal);
        Assert.Contains("agent_runs_total", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vector_by_label_sums_samples_of_the_same_label_value_and_skips_NaN()
    {
        const string body = """
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"rule":"model-role"},"value":[1700000000.5,"12"]},
              {"metric":{"rule":"autonomy"},"value":[1700000000.5,"NaN"]},
              {"metric":{"rule":"model-role","pod":"b"},"value":[1700000000.5,"3"]}]}}
            """;

        var values = PrometheusAnalysisProvider.ParseVectorByLabel(body, "rule");

        Assert.Equal(new Dictionary<string, double> { ["model-role"] = 15 }, values);
    }
}
