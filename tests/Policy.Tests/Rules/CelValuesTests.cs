using System.Text.Json;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Rules;

namespace AgentOperator.Policy.Tests.Rules;

public class CelValuesTests
{
    private static object? Convert(string json) => CelValues.FromJson(JsonDocument.Parse(json).RootElement);

    [Fact]
    public void Json_maps_to_cel_types()
    {
        var value = Assert.IsType<Dictionary<string, object?>>(Convert("""{"i":42,"d":42.5,"e":1e3,"z":42.0,"s":"x","b":true,"n":null,"a":[1,"two"]}"""));

        Assert.Equal(42L, value["i"]);
        Assert.Equal(42.5, value["d"]);
        Assert.Equal(1000.0, value["e"]);
        Assert.Equal(42.0, value["z"]);
        Assert.Equal("x", value["s"]);
        Assert.Equal(true, value["b"]);
        Assert.Null(value["n"]);
        Assert.Equal([1L, "two"], Assert.IsType<List<object?>>(value["a"]));
    }

    [Theory]
    [InlineData("""{"amount_usd":42}""", "input.amount_usd <= 50.0", true)]
    [InlineData("""{"amount_usd":42.5}""", "input.amount_usd <= 50.0", true)]
    [InlineData("""{"amount_usd":50.5}""", "input.amount_usd <= 50", false)]
    [InlineData("""{"items":[{"sku":"a","qty":2},{"sku":"b","qty":1}]}""", "input.items.all(i, i.qty > 0) && input.items.exists(i, i.sku == 'b')", true)]
    [InlineData("""{"reason":"Refund"}""", "has(input.reason) && !has(input.note) && input.reason.startsWith('R')", true)]
    [InlineData("""{"tags":["vip"]}""", "'vip' in input.tags && size(input.tags) == 1", true)]
    public void Conditions_evaluate_over_converted_input(string input, string condition, bool expected)
    {
        Assert.True(CelRuleProgram.TryCompile(new BundleRule { Id = "r", Condition = condition }, out var program, out var error), error);

        var outcome = program.Evaluate(new Dictionary<string, object?> { ["input"] = Convert(input) });

        Assert.Equal(expected, outcome.Passed);
        Assert.Null(outcome.Error);
    }

    [Theory]
    [InlineData("input.missing <= 50.0")]
    [InlineData("input.name + 1 > 0")]
    [InlineData("input.name")]
    public void Errors_and_non_boolean_results_fail_closed(string condition)
    {
        Assert.True(CelRuleProgram.TryCompile(new BundleRule { Id = "r", Condition = condition }, out var program, out _));

        var outcome = program.Evaluate(new Dictionary<string, object?> { ["input"] = Convert("""{"name":"x"}""") });

        Assert.False(outcome.Passed);
        Assert.NotNull(outcome.Error);
    }

    [Fact]
    public void Function_names_inside_string_literals_are_not_calls()
    {
        Assert.Null(CelRuleProgram.UnknownFunction("input.note == 'call foo(1) now' && size(input.note) > 0"));
        Assert.Equal("foo", CelRuleProgram.UnknownFunction("foo(input) && size(input) > 0"));
    }
}
