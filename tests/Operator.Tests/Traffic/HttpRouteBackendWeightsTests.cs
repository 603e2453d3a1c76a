using System.Text.Json.Nodes;
using AgentOperator.Operator.Traffic;

namespace AgentOperator.Operator.Tests.Traffic;

public sealed class HttpRouteBackendWeightsTests
{
    private static readonly BackendServices Services = new("support", "refund-stable", "refund-canary", 8080);

    private static JsonArray Rules(string json) => JsonNode.Parse(json)!.AsArray();

    [Fact]
    public void Stable_and_canary_get_port_and_complementary_weights_and_other_backends_keep_theirs()
    {
        var rules = Rules("""
            [{"matches":[{"path":{"type":"PathPrefix","value":"/"}}],
              "backendRefs":[{"name":"refund-stable","port":80,"weight":1,"filters":[{"type":"RequestHeaderModifier"}]},
                             {"name":"mirror","port":9000,"weight":3},
                             {"name":"refund-canary","port":80}]}]
            """);

        var weighted = HttpRouteBackendWeights.Apply(rules, Services, 25);

        Assert.True(JsonNode.DeepEquals(Rules("""
            [{"matches":[{"path":{"type":"PathPrefix","value":"/"}}],
              "backendRefs":[{"name":"refund-stable","port":8080,"weight":75,"filters":[{"type":"RequestHeaderModifier"}]},
                             {"name":"mirror","port":9000,"weight":3},
                             {"name":"refund-canary","port":8080,"weight":25}]}]
            """), weighted), weighted?.ToJsonString());
    }

    [Fact]
    public void A_rule_naming_only_the_stable_service_gets_the_canary_appended()
    {
        var weighted = HttpRouteBackendWeights.Apply(Rules("""[{"backendRefs":[{"name":"refund-stable","port":8080}]}]"""), Services, 5);

        Assert.True(JsonNode.DeepEquals(
            Rules("""[{"backendRefs":[{"name":"refund-stable","port":8080,"weight":95},{"name":"refund-canary","port":8080,"weight":5}]}]"""),
            weighted), weighted?.ToJsonString());
    }

    [Fact]
    public void Rules_without_our_services_are_left_alone()
    {
        var rules = Rules("""
            [{"matches":[{"path":{"value":"/health"}}],"backendRefs":[{"name":"health","port":81}]},
             {"matches":[{"path":{"value":"/admin"}}]},
             {"backendRefs":[{"name":"refund-stable","port":8080}]}]
            """);

        var weighted = HttpRouteBackendWeights.Apply(rules, Services, 100)!;

        Assert.True(JsonNode.DeepEquals(rules[0], weighted[0]));
        Assert.True(JsonNode.DeepEquals(rules[1], weighted[1]));
        Assert.Equal("""[{"name":"refund-stable","port":8080,"weight":0},{"name":"refund-canary","port":8080,"weight":100}]""", weighted[2]!["backendRefs"]!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"name":"refund-stable","namespace":"elsewhere"}""")]
    [InlineData("""{"name":"refund-stable","kind":"ServiceImport","group":"multicluster.x-k8s.io"}""")]
    [InlineData("""{"name":"refund"}""")]
    public void No_rule_referencing_our_services_in_this_namespace_means_nothing_to_weight(string backendRef) =>
        Assert.Null(HttpRouteBackendWeights.Apply(Rules($$"""[{"backendRefs":[{{backendRef}}]}]"""), Services, 25));

    [Fact]
    public void Defaulted_group_kind_and_namespace_still_name_our_service()
    {
        var weighted = HttpRouteBackendWeights.Apply(
            Rules("""[{"backendRefs":[{"group":"","kind":"Service","namespace":"support","name":"refund-canary","port":8080,"weight":1}]}]"""), Services, 25)!;

        Assert.Equal(
            """[{"group":"","kind":"Service","namespace":"support","name":"refund-canary","port":8080,"weight":25},{"name":"refund-stable","port":8080,"weight":75}]""",
            weighted[0]!["backendRefs"]!.ToJsonString());
    }

    [Fact]
    public void Reapplying_the_same_weight_changes_nothing()
    {
        var once = HttpRouteBackendWeights.Apply(Rules("""[{"backendRefs":[{"name":"refund-stable","port":8080}]}]"""), Services, 25)!;

        Assert.True(JsonNode.DeepEquals(once, HttpRouteBackendWeights.Apply(once, Services, 25)));
    }

    [Fact]
    public void The_input_is_not_modified()
    {
        var rules = Rules("""[{"backendRefs":[{"name":"refund-stable","port":80}]}]""");
        var before = rules.ToJsonString();

        HttpRouteBackendWeights.Apply(rules, Services, 25);

        Assert.Equal(before, rules.ToJsonString());
    }
}
