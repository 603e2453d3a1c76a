using System.Text.Json.Nodes;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Examples;

/// <summary>
/// Every example passes the generated CRDs' schema and CEL rules, with no field the API server would
/// silently drop; and the same check does reject broken variants, naming the field.
/// </summary>
public sealed class ExampleSchemaTests
{
    private static IReadOnlyList<KubeObject> Objects => Kubectl.Kustomize("examples");

    public static TheoryData<string, string> CustomResources()
    {
        var data = new TheoryData<string, string>();
        foreach (var o in Objects.Where(o => o.ApiVersion.StartsWith("agentoperator.io/", StringComparison.Ordinal)))
        {
            data.Add(o.Kind, o.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CustomResources))]
    public void Example_is_admitted_by_the_generated_crd(string kind, string name)
    {
        var example = Assert.Single(Objects, o => o.Kind == kind && o.Name == name);
        var (unknown, errors) = GeneratedCrds.Admit(kind, example.Body);
        Assert.True(unknown.Count == 0, $"{example}: fields the API server would drop: {string.Join(", ", unknown)}");
        Assert.True(errors.Count == 0, $"{example}:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public void Refund_with_decreasing_canary_weights_is_rejected()
    {
        var errors = Mutated("support-refund", spec => spec["rollout"]!["steps"]![1]!["weight"] = 3);
        Assert.Contains(errors, e => e.Contains("spec.rollout.steps", StringComparison.Ordinal) && e.Contains("strictly increasing", StringComparison.Ordinal));
    }

    [Fact]
    public void Refund_with_a_rule_for_an_unlisted_tool_is_rejected()
    {
        var errors = Mutated("support-refund", spec => spec["policy"]!["rules"]![0]!["tool"] = "payments.void_order");
        Assert.Contains(errors, e => e.Contains("spec.policy.rules", StringComparison.Ordinal) && e.Contains("spec.tools[*].name", StringComparison.Ordinal));
    }

    [Fact]
    public void Refund_with_a_short_lived_token_is_rejected()
    {
        var errors = Mutated("support-refund", spec => spec["credentials"]!["tokenTtlSeconds"] = 300);
        Assert.Contains(errors, e => e.Contains("spec.credentials.tokenTtlSeconds", StringComparison.Ordinal) && e.Contains("600", StringComparison.Ordinal));
    }

    [Fact]
    public void Triage_with_an_undated_model_is_rejected()
    {
        var errors = Mutated("support-triage", spec => spec["models"]!["writer"]!["model"] = "gpt-4o");
        Assert.Contains(errors, e => e.StartsWith("spec.models.writer.model", StringComparison.Ordinal));
    }

    [Fact]
    public void Refund_with_an_unknown_autonomy_level_is_rejected()
    {
        var errors = Mutated("support-refund", spec => spec["autonomy"] = "yolo");
        Assert.Contains(errors, e => e.StartsWith("spec.autonomy: Unsupported value: ", StringComparison.Ordinal) && e.Contains("yolo", StringComparison.Ordinal) && e.Contains("\"approve\"", StringComparison.Ordinal));
    }

    private static IReadOnlyList<string> Mutated(string workflow, Action<JsonNode> mutate)
    {
        var example = Assert.Single(Objects, o => o.Kind == "AgentWorkflow" && o.Name == workflow);
        var copy = JsonNode.Parse(example.Body.ToJsonString())!;
        mutate(copy["spec"]!);
        var (_, errors) = GeneratedCrds.Admit("AgentWorkflow", copy);
        return [.. errors.Select(e => e.ToString())];
    }
}
