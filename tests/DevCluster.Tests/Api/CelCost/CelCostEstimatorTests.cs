using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api.CelCost;

namespace AgentOperator.DevCluster.Tests.Api.CelCost;

/// <summary>
/// The static cost estimate of CRD validation rules against the figures kube-apiserver computes for the same schema and
/// rule (apiextensions-apiserver pkg/apiserver/schema/cel compilation_test.go TestCostEstimation: unbounded schemas sized
/// from the 3 MiB request limit, and the same schemas with maxItems/maxLength), which come from cel-go's checker/cost.go
/// and kube-apiserver's size estimator.
/// </summary>
public sealed class CelCostEstimatorTests
{
    [Theory]
    [InlineData("number", null, "self.all(x, true)", 4718591UL)]
    [InlineData("number", 10L, "self.all(x, true)", 32UL)]
    [InlineData("string", null, "self.all(x, true)", 3145727UL)]
    [InlineData("string", 20L, "self.all(x, true)", 62UL)]
    [InlineData("boolean", null, "self.all(x, true)", 1887437UL)]
    [InlineData("number", 10L, "self.all(x, self.all(y, true))", 352UL)]
    [InlineData("number", 10L, "self.all(x, self.all(y, self.all(z, true)))", 3552UL)]
    [InlineData("number", null, "self.all(x, x == 0.0)", 6291454UL)]
    [InlineData("number", null, "self[1] == 0.0", 2UL)]
    [InlineData("string", null, "self[1] == self[1]", 314577UL)]
    [InlineData("date-time", null, "self.all(x, true)", 428963UL)]
    [InlineData("duration", null, "self.all(x, true)", 2359295UL)]
    public void A_list_rule_costs_what_kube_apiserver_estimates(string itemType, long? maxItems, string rule, ulong expected)
    {
        var schema = new JsonObject { ["type"] = "array", ["items"] = Scalar(itemType) };
        if (maxItems is { } max)
        {
            schema["maxItems"] = max;
        }

        Assert.Equal(expected, Estimate(schema, rule));
    }

    [Theory]
    [InlineData(null, "self.contains('test')", 314574UL)]
    [InlineData(10L, "self.contains('test')", 5UL)]
    [InlineData(null, "self.startsWith('test')", 2UL)]
    [InlineData(null, "size(self + \"hello\") > size(\"hello\")", 314578UL)]
    [InlineData(4L, "size(self + \"hello\") > size(\"hello\")", 7UL)]
    [InlineData(null, "self.matches(\"x\")", 314574UL)]
    [InlineData(50L, "self.matches(\"x\")", 22UL)]
    [InlineData(null, "\"\".matches(\"(((((((((())))))))))[0-9]\")", 7UL)]
    [InlineData(null, "self.matches(\"\")", 1UL)]
    [InlineData(null, "self == \"x\"", 2UL)]
    [InlineData(0L, "self == \"x\"", 1UL)]
    [InlineData(null, "self.find('[0-9]+') == ''", 629147UL)]
    [InlineData(10L, "self.find('[0-9]+') == ''", 11UL)]
    [InlineData(null, "self.lowerAscii() == 'lower!'", 314575UL)]
    [InlineData(10L, "self.lowerAscii() == 'lower!'", 6UL)]
    public void A_string_rule_costs_what_kube_apiserver_estimates(long? maxLength, string rule, ulong expected)
    {
        var schema = new JsonObject { ["type"] = "string" };
        if (maxLength is { } max)
        {
            schema["maxLength"] = max;
        }

        Assert.Equal(expected, Estimate(schema, rule));
    }

    [Theory]
    [InlineData("number", "self.all(x, true)", 1348169UL)]
    [InlineData("string", "self.all(x, true)", 1179647UL)]
    [InlineData("integer", "oldSelf.size() == self.size()", 5UL)]
    [InlineData("date-time", "self[\"a\"] == self[\"b\"]", 8UL)]
    [InlineData("duration", "self[\"c\"] == self[\"d\"]", 8UL)]
    public void A_map_rule_costs_what_kube_apiserver_estimates(string valueType, string rule, ulong expected) =>
        Assert.Equal(expected, Estimate(new JsonObject { ["type"] = "object", ["additionalProperties"] = Scalar(valueType) }, rule));

    [Fact]
    public void Library_list_functions_cost_per_item_and_per_character()
    {
        var strings = new JsonObject { ["type"] = "array", ["maxItems"] = 10, ["items"] = new JsonObject { ["type"] = "string", ["maxLength"] = 10 } };

        Assert.Equal(52UL, Estimate(strings, "self.isSorted() == true"));
        Assert.Equal(43UL, Estimate(strings, "self.join(' ') == 'aa bb'"));
    }

    [Fact]
    public void Index_and_field_selection_on_int_or_string_and_maps_cost_one_each()
    {
        var intOrString = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["x-kubernetes-int-or-string"] = true } };
        var mapItems = new JsonObject
        {
            ["type"] = "array",
            ["items"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = Scalar("number") },
        };

        Assert.Equal(3UL, Estimate(intOrString, "self[0] == 5"));
        Assert.Equal(4UL, Estimate(mapItems, "self[0].x > 2.0"));
    }

    [Fact]
    public void A_quadratic_rule_over_an_unbounded_list_of_strings_is_far_over_the_per_rule_limit_and_bounded_it_is_cheap()
    {
        var unbounded = new JsonObject { ["type"] = "array", ["items"] = Scalar("string") };
        var bounded = new JsonObject { ["type"] = "array", ["maxItems"] = 10, ["items"] = new JsonObject { ["type"] = "string", ["maxLength"] = 10 } };

        Assert.True(Estimate(unbounded, "self.all(x, self.all(y, x != y))") > 100 * CrdValidationCostLimits.StaticEstimatedCostLimit);

        // x != y: 40 bytes × 0.1 + 2; inner all: 2 + 10 × (3 + 6); outer: 2 + 10 × (3 + 92).
        Assert.Equal(952UL, Estimate(bounded, "self.all(x, self.all(y, x != y))"));
    }

    private static ulong Estimate(JsonObject schema, string rule) =>
        CelCostEstimator.Estimate(rule, CelDeclType.From(schema, isResourceRoot: false)!)!.Value.Max;

    private static JsonObject Scalar(string type) => type switch
    {
        "date-time" or "duration" or "date" => new JsonObject { ["type"] = "string", ["format"] = type },
        _ => new JsonObject { ["type"] = type },
    };
}
