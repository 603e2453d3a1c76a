using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.CustomResources;

/// <summary>
/// CRD admission as kube-apiserver holds apiextensions.k8s.io/v1 schemas to being structural
/// (k8s.io/apiextensions-apiserver pkg/apiserver/schema/validation.go, pkg/apis/apiextensions/validation), through the
/// real kubectl: each refusal is 422 with the schema path; the project's own CRDs install.
/// </summary>
public sealed class StructuralSchemaTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    [Theory]
    [InlineData("agentoperator.io_agentapprovals.yaml")]
    [InlineData("agentoperator.io_agenttools.yaml")]
    [InlineData("agentoperator.io_agentworkflows.yaml")]
    public async Task The_projects_own_CRDs_are_structural_and_install(string file)
    {
        var output = await cluster.Kubectl.SucceedAsync($"apply -f {UsersClusterFixture.RepositoryFile("config/crd/bases/" + file)}");
        Assert.Matches("customresourcedefinition.apiextensions.k8s.io/.+ (created|unchanged|configured)", output);
    }

    [Theory]
    [InlineData("properties: {spec: {properties: {size: {type: integer}}}}",
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields")]
    [InlineData("properties: {spec: {type: array}}",
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].items: Required value: must be specified")]
    [InlineData("properties: {spec: {type: array, items: {description: x}}}",
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].items.type: Required value: must not be empty for specified array items")]
    [InlineData("properties: {spec: {type: object, properties: {a: {type: string}}, additionalProperties: {type: string}}}",
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive")]
    [InlineData("properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: false}}",
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined")]
    [InlineData("properties: {metadata: {type: object, properties: {labels: {type: object}}}}",
        "spec.versions[0].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified")]
    [InlineData("properties: {spec: {type: object, anyOf: [{type: object}]}}",
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural")]
    [InlineData("properties: {spec: {type: integer, x-kubernetes-int-or-string: true, x-kubernetes-preserve-unknown-fields: true}}",
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true")]
    public async Task A_non_structural_schema_is_refused_with_its_path(string schemaBody, string expected)
    {
        var refused = await cluster.Kubectl.RunAsync("apply -f -", Crd("gadgets", "type: object, " + schemaBody));

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("The CustomResourceDefinition \"gadgets.example.com\" is invalid: ", refused.Stderr);
        Assert.Contains(expected, refused.Stderr);
    }

    [Fact]
    public async Task A_root_that_is_not_an_object_is_refused()
    {
        var refused = await cluster.Kubectl.RunAsync("apply -f -", Crd("sprockets", "type: string"));

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("spec.versions[0].schema.openAPIV3Schema.type: Invalid value: \"string\": must be object at the root", refused.Stderr);
    }

    [Fact]
    public async Task Int_or_string_with_its_anyOf_and_preserved_unknown_fields_are_structural()
    {
        var output = await cluster.Kubectl.SucceedAsync("apply -f -", Crd("widgets", """
            type: object, properties: {spec: {type: object, properties: {
              port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]},
              raw: {type: object, x-kubernetes-preserve-unknown-fields: true},
              labels: {type: object, additionalProperties: {type: string}}}}}
            """));

        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/widgets.example.com created", output);
    }

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
              openAPIV3Schema: {{{schema.Replace("\n", " ", StringComparison.Ordinal)}}}
        """;
}
