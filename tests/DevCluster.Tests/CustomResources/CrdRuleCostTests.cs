using System.Net;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api.CelCost;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit.Abstractions;

namespace AgentOperator.DevCluster.Tests.CustomResources;

/// <summary>
/// CRD admission holds x-kubernetes-validations to kube-apiserver's static cost limits
/// (k8s.io/apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go: StaticEstimatedCostLimit 10,000,000
/// per rule, StaticEstimatedCRDCostLimit 100,000,000 per version schema, getCostErrorMessage; cel_validation.go
/// CELSchemaContext.MaxCardinality; pkg/apiserver/schema/cel/compilation.go maxCardinality and the size estimator),
/// through KubernetesClient and the real kubectl: a refusal is 422 Invalid with Forbidden field errors on the rule's path.
/// </summary>
public sealed class CrdRuleCostTests(QuietClusterFixture cluster, ITestOutputHelper output) : IClassFixture<QuietClusterFixture>
{
    private const string Hint = "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";

    /// <summary>validation.go: a rule whose estimated cost × cardinality exceeds StaticEstimatedCostLimit is Forbidden at its path.</summary>
    [Fact]
    public async Task A_quadratic_rule_over_an_unbounded_list_of_strings_is_422_naming_the_rule_and_the_budget()
    {
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(Crd("quadratics", Tags(bounds: "")));

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        var status = JsonNode.Parse(e.Response.Content)!;
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        var causes = status["details"]!["causes"]!.AsArray()
            .Select(c => (Reason: c!["reason"]!.GetValue<string>(), Field: c["field"]!.GetValue<string>(), Message: c["message"]!.GetValue<string>())).ToList();
        const string Rule = "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].x-kubernetes-validations[0].rule";
        Assert.Contains(("FieldValueForbidden", Rule, "Forbidden: estimated rule cost exceeds budget by factor of more than 100x " + Hint), causes);

        // One rule this dear is also over the whole schema's limit: it is named as the contributor and the total refused.
        Assert.Contains(("FieldValueForbidden", Rule, "Forbidden: contributed to estimated rule & messageExpression cost total exceeding cost limit for entire OpenAPIv3 schema"), causes);
        Assert.Contains(causes, c => c.Field == "spec.versions[0].schema.openAPIV3Schema"
            && c.Message == "Forbidden: x-kubernetes-validations estimated rule & messageExpression cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x " + Hint);
        Assert.Contains(
            "CustomResourceDefinition.apiextensions.k8s.io \"quadratics.example.com\" is invalid: "
            + "[spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget",
            status["message"]!.GetValue<string>(),
            StringComparison.Ordinal);
    }

    /// <summary>The same refusal as the real kubectl prints it (validation.go getCostErrorMessage).</summary>
    [Fact]
    public async Task A_quadratic_rule_over_an_unbounded_list_is_refused_by_kubectl_apply()
    {
        var refused = await cluster.Kubectl.RunAsync("apply -f -", Crd("squares", Tags(bounds: "")));

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("The CustomResourceDefinition \"squares.example.com\" is invalid", refused.Stderr);
        Assert.Contains(
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x",
            refused.Stderr);
    }

    /// <summary>
    /// model.SchemaDeclType: maxItems and maxLength (× 4 bytes a rune) replace the 3 MiB request estimate, so the same
    /// rule costs 952 and installs; tightening an installed CRD's bounds away (an update) is refused like a create.
    /// </summary>
    [Fact]
    public async Task The_same_rule_installs_once_maxItems_and_maxLength_bound_it_and_an_update_removing_them_is_refused()
    {
        var created = await cluster.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(
            KubernetesYaml.Deserialize<V1CustomResourceDefinition>(Crd("boundeds", Tags(bounds: "maxItems: 10, items: {type: string, maxLength: 10},"))));
        Assert.Equal("boundeds.example.com", created.Metadata.Name);
        Assert.Equal(
            952UL,
            CrdValidationCostLimits.Estimate(JsonNode.Parse(KubernetesJson.Serialize(created))!.AsObject()).Single().Cost);

        var refused = await cluster.Kubectl.RunAsync("apply -f -", Crd("boundeds", Tags(bounds: "")));

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("properties[tags].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget", refused.Stderr);
    }

    /// <summary>validation.go: a messageExpression is held to the per-expression limit on its own, at its own path.</summary>
    [Fact]
    public async Task A_messageExpression_over_the_per_expression_limit_is_refused_at_its_path()
    {
        var schema = "{type: object, properties: {spec: {type: object, properties: {tags: {type: array, items: {type: string}, "
            + "x-kubernetes-validations: [{rule: 'size(self) < 100', messageExpression: \"self.all(x, self.all(y, x != y)) ? 'distinct' : 'repeated'\"}]}}}}}";

        var refused = await cluster.Kubectl.RunAsync("apply -f -", Crd("messages", schema));

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains(
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].x-kubernetes-validations[0].messageExpression: Forbidden: estimated messageExpression cost exceeds budget by factor of more than 100x",
            refused.Stderr);
        Assert.DoesNotContain("x-kubernetes-validations[0].rule: Forbidden: estimated rule cost", refused.Stderr);
    }

    /// <summary>
    /// cel_validation.go MaxCardinality and compilation.go maxCardinality: a cheap rule on the items of an unbounded list
    /// runs once per item that fits into a 3 MiB request: 56 (512 bytes × 0.1 + 4) × 185,042 (3 MiB ÷ (16 bytes of
    /// {"a":"","b":""} + a comma)) is over the limit; under maxItems: 100 it is 5,600.
    /// </summary>
    [Fact]
    public async Task A_rule_under_an_unbounded_list_is_multiplied_by_the_items_a_request_can_hold()
    {
        const string Items = "items: {type: object, required: [a, b], x-kubernetes-validations: [{rule: 'self.a == self.b'}], properties: {a: {type: string, maxLength: 128}, b: {type: string, maxLength: 128}}}";
        var refused = await cluster.Kubectl.RunAsync("apply -f -", Crd("pairs", $"{{type: object, properties: {{spec: {{type: object, properties: {{pairs: {{type: array, {Items}}}}}}}}}}}"));
        var accepted = await cluster.Kubectl.RunAsync("apply -f -", Crd("boundpairs", $"{{type: object, properties: {{spec: {{type: object, properties: {{pairs: {{type: array, maxItems: 100, {Items}}}}}}}}}}}"));

        Assert.Contains(
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[pairs].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 1.036235x",
            refused.Stderr);
        Assert.Equal(0, accepted.ExitCode);
    }

    /// <summary>
    /// validation.go: when a version's rules together exceed StaticEstimatedCRDCostLimit, the four dearest are Forbidden
    /// as contributors and the schema itself is Forbidden with the total's factor, though each rule is under its own limit.
    /// </summary>
    [Fact]
    public async Task Rules_that_each_fit_but_together_exceed_the_per_CRD_limit_are_refused_with_the_total()
    {
        // Each list: 300 items of up to 250 runes (1,000 bytes); the uniqueness rule costs
        // 2 + 300 × (3 + 3 + 300 × (102 + 2)) = 9,361,802, under 10,000,000; 11 of them 102,979,822.
        var lists = string.Join(", ", Enumerable.Range(0, 11).Select(i =>
            $"l{i}: {{type: array, maxItems: 300, items: {{type: string, maxLength: 250}}, x-kubernetes-validations: [{{rule: 'self.all(x, self.exists_one(y, y == x))'}}]}}"));
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(Crd("manyrules", $"{{type: object, properties: {{spec: {{type: object, properties: {{{lists}}}}}}}}}"));

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        var causes = JsonNode.Parse(e.Response.Content)!["details"]!["causes"]!.AsArray()
            .Select(c => (Field: c!["field"]!.GetValue<string>(), Message: c["message"]!.GetValue<string>())).ToList();
        Assert.DoesNotContain(causes, c => c.Message.Contains("estimated rule cost exceeds budget", StringComparison.Ordinal));
        Assert.Equal(4, causes.Count(c => c.Message == "Forbidden: contributed to estimated rule & messageExpression cost total exceeding cost limit for entire OpenAPIv3 schema"
            && c.Field.StartsWith("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[l", StringComparison.Ordinal)
            && c.Field.EndsWith("].x-kubernetes-validations[0].rule", StringComparison.Ordinal)));
        var total = Assert.Single(causes, c => c.Field == "spec.versions[0].schema.openAPIV3Schema");
        Assert.Equal(
            "Forbidden: x-kubernetes-validations estimated rule & messageExpression cost total for entire OpenAPIv3 schema exceeds budget by factor of 1.029798x " + Hint,
            total.Message);
    }

    /// <summary>The operator's own CRDs stay within both limits (they install: StructuralSchemaTests); the costs are printed.</summary>
    [Theory]
    [InlineData("agentoperator.io_agentapprovals.yaml")]
    [InlineData("agentoperator.io_agenttools.yaml")]
    [InlineData("agentoperator.io_agentworkflows.yaml")]
    public void The_projects_own_CRDs_are_within_the_per_rule_and_per_CRD_cost_limits(string file)
    {
        var crd = JsonNode.Parse(KubernetesJson.Serialize(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(
            File.ReadAllText(UsersClusterFixture.RepositoryFile("config/crd/bases/" + file)))))!.AsObject();

        var costs = CrdValidationCostLimits.Estimate(crd);

        foreach (var cost in costs.OrderByDescending(c => c.Cost))
        {
            output.WriteLine($"{cost.Cost,12:N0} = {cost.RawCost:N0} × {cost.Cardinality:N0}  {cost.Field}");
        }

        var total = costs.Aggregate(0UL, (sum, c) => sum + c.Cost);
        output.WriteLine($"{total,12:N0} total of {costs.Count} expressions");
        Assert.NotEmpty(costs);
        Assert.All(costs, c => Assert.True(c.Cost <= CrdValidationCostLimits.StaticEstimatedCostLimit, $"{c.Field} costs {c.Cost:N0}"));
        Assert.True(total <= CrdValidationCostLimits.StaticEstimatedCrdCostLimit, $"total {total:N0}");
    }

    private static string Tags(string bounds) =>
        $"{{type: object, properties: {{spec: {{type: object, properties: {{tags: {{type: array, {(bounds.Length > 0 ? bounds : "items: {type: string},")} x-kubernetes-validations: [{{rule: 'self.all(x, self.all(y, x != y))'}}]}}}}}}}}}}";

    private static string Crd(string plural, string schema) => $$"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: {{plural}}.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: {{plural}}, singular: {{plural.TrimEnd('s')}}, kind: {{char.ToUpperInvariant(plural[0]) + plural[1..^1]}}}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema: {{schema}}
        """;
}
