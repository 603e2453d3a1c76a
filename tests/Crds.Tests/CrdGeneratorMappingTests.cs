using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Crds.Tests;

/// <summary>One test per mapping from a C# type or attribute to the CRD.</summary>
public sealed class CrdGeneratorMappingTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonObject Crd = new CrdGenerator(XmlDocumentation.For(typeof(Sample).Assembly)).Generate(typeof(Sample));
    private static readonly JsonNode Version = Crd["spec"]!["versions"]![0]!;
    private static readonly JsonNode Root = Version["schema"]!["openAPIV3Schema"]!;
    private static readonly JsonNode Spec = Root["properties"]!["spec"]!;

    private static JsonNode Prop(string name) => Spec["properties"]![name] ?? throw new KeyNotFoundException(name);

    [Fact]
    public void KubernetesEntity_maps_to_group_names_and_version()
    {
        Assert.Equal("samples.tests.agentoperator.io", (string?)Crd["metadata"]!["name"]);
        Assert.Equal("tests.agentoperator.io", (string?)Crd["spec"]!["group"]);
        var names = Crd["spec"]!["names"]!;
        Assert.Equal("Sample", (string?)names["kind"]);
        Assert.Equal("SampleList", (string?)names["listKind"]);
        Assert.Equal("samples", (string?)names["plural"]);
        Assert.Equal("sample", (string?)names["singular"]);
        Assert.Equal("v1beta2", (string?)Version["name"]);
        Assert.True((bool)Version["served"]!);
        Assert.True((bool)Version["storage"]!);
    }

    [Fact]
    public void ShortNames_maps_to_names_shortNames() =>
        Assert.Equal("[\"sm\",\"smp\"]", Crd["spec"]!["names"]!["shortNames"]!.ToJsonString());

    [Fact]
    public void Categories_maps_to_names_categories() =>
        Assert.Equal("[\"tests\"]", Crd["spec"]!["names"]!["categories"]!.ToJsonString());

    [Fact]
    public void ClusterScoped_maps_to_cluster_scope_and_its_absence_to_namespaced()
    {
        Assert.Equal("Cluster", (string?)Crd["spec"]!["scope"]);
        var workflow = new CrdGenerator(XmlDocumentation.For(typeof(AgentWorkflow).Assembly)).Generate(typeof(AgentWorkflow));
        Assert.Equal("Namespaced", (string?)workflow["spec"]!["scope"]);
    }

    [Fact]
    public void PrinterColumn_maps_to_additionalPrinterColumns_in_declaration_order() =>
        Assert.Equal(
            """[{"name":"Size","type":"integer","jsonPath":".spec.size","description":"How big","priority":1},{"name":"Seen","type":"date","jsonPath":".status.seenAt","format":"date-time"}]""",
            Version["additionalPrinterColumns"]!.ToJsonString());

    [Fact]
    public void A_status_property_adds_the_status_subresource_and_its_absence_none()
    {
        Assert.Equal("""{"status":{}}""", Version["subresources"]!.ToJsonString());
        var tool = new CrdGenerator(XmlDocumentation.For(typeof(AgentTool).Assembly)).Generate(typeof(AgentTool));
        Assert.Null(tool["spec"]!["versions"]![0]!["subresources"]);
    }

    [Fact]
    public void Metadata_is_a_bare_object()
    {
        var metadata = Root["properties"]!["metadata"]!.AsObject();
        Assert.Equal("object", (string?)metadata["type"]);
        Assert.DoesNotContain("properties", metadata.Select(p => p.Key));
    }

    [Fact]
    public void Required_maps_to_the_parents_required_list()
    {
        Assert.Equal("[\"spec\"]", Root["required"]!.ToJsonString());
        Assert.Equal("[\"size\"]", Spec["required"]!.ToJsonString());
    }

    [Fact]
    public void Default_maps_to_default_with_the_json_type_of_the_property()
    {
        Assert.Equal("5", Prop("limit")["default"]!.ToJsonString());
        Assert.Equal("true", Prop("enabled")["default"]!.ToJsonString());
        Assert.Equal("\"slow-mode\"", Prop("mode")["default"]!.ToJsonString());
    }

    [Fact]
    public void Minimum_and_Maximum_map_to_bounds_and_exclusive_flags()
    {
        var size = Prop("size");
        Assert.Equal("1", size["minimum"]!.ToJsonString());
        Assert.Null(size["exclusiveMinimum"]);
        Assert.Equal("10", size["maximum"]!.ToJsonString());
        Assert.True((bool)size["exclusiveMaximum"]!);
        Assert.True((bool)Prop("limit")["exclusiveMinimum"]!);
        Assert.Equal("0.5", Prop("ratio")["minimum"]!.ToJsonString());
    }

    [Fact]
    public void Pattern_maps_to_pattern() => Assert.Equal("^[a-z]+$", (string?)Prop("name")["pattern"]);

    [Fact]
    public void Length_maps_to_minLength_and_maxLength()
    {
        Assert.Equal(2, (int)Prop("name")["minLength"]!);
        Assert.Equal(20, (int)Prop("name")["maxLength"]!);
    }

    [Fact]
    public void Items_maps_to_minItems_maxItems_on_lists_and_minProperties_maxProperties_on_maps()
    {
        Assert.Equal(1, (int)Prop("tags")["minItems"]!);
        Assert.Equal(3, (int)Prop("tags")["maxItems"]!);
        Assert.Equal(1, (int)Prop("labels")["minProperties"]!);
        Assert.Equal(4, (int)Prop("labels")["maxProperties"]!);
        Assert.Null(Prop("labels")["maxItems"]);
    }

    [Fact]
    public void Format_maps_to_format_and_DateTimeOffset_to_date_time()
    {
        Assert.Equal("uri", (string?)Prop("link")["format"]);
        var seenAt = Root["properties"]!["status"]!["properties"]!["seenAt"]!;
        Assert.Equal("string", (string?)seenAt["type"]);
        Assert.Equal("date-time", (string?)seenAt["format"]);
    }

    [Fact]
    public void PreserveUnknownFields_maps_to_x_kubernetes_preserve_unknown_fields_on_an_object()
    {
        Assert.Equal("object", (string?)Prop("extra")["type"]);
        Assert.True((bool)Prop("extra")["x-kubernetes-preserve-unknown-fields"]!);
    }

    [Fact]
    public void A_JsonNode_property_is_any_value_without_a_type()
    {
        Assert.Null(Prop("anything")["type"]);
        Assert.True((bool)Prop("anything")["x-kubernetes-preserve-unknown-fields"]!);
    }

    [Fact]
    public void CelRule_on_a_type_maps_to_x_kubernetes_validations_with_message_fieldPath_and_reason() =>
        Assert.Equal(
            """[{"rule":"self.size <= self.limit","message":"size must not exceed limit","fieldPath":".size","reason":"FieldValueForbidden"}]""",
            Spec["x-kubernetes-validations"]!.ToJsonString(Relaxed));

    [Fact]
    public void CelRule_on_a_property_maps_to_x_kubernetes_validations_of_that_property() =>
        Assert.Equal("""[{"rule":"self.all(t, t.size() > 0)","message":"tags must not be empty"}]""", Prop("tags")["x-kubernetes-validations"]!.ToJsonString(Relaxed));

    [Fact]
    public void Enums_map_to_string_enums_named_by_JsonStringEnumMemberName_or_the_member()
    {
        Assert.Equal("string", (string?)Prop("mode")["type"]);
        Assert.Equal("[\"slow-mode\",\"Fast\"]", Prop("mode")["enum"]!.ToJsonString());
    }

    [Fact]
    public void Numbers_map_to_integer_int32_integer_int64_and_number()
    {
        Assert.Equal("""{"type":"integer","format":"int32"}""", TypeOnly(Prop("size")));
        Assert.Equal("""{"type":"integer","format":"int64"}""", TypeOnly(Prop("big")));
        Assert.Equal("""{"type":"number"}""", TypeOnly(Prop("ratio")));
        Assert.Equal("""{"type":"boolean"}""", TypeOnly(Prop("enabled")));
    }

    [Fact]
    public void Lists_map_to_arrays_and_dictionaries_to_objects_with_additionalProperties()
    {
        Assert.Equal("array", (string?)Prop("tags")["type"]);
        Assert.Equal("string", (string?)Prop("tags")["items"]!["type"]);
        Assert.Equal("object", (string?)Prop("labels")["type"]);
        Assert.Equal("string", (string?)Prop("labels")["additionalProperties"]!["type"]);
    }

    [Fact]
    public void JsonPropertyName_wins_and_other_names_are_camelCase()
    {
        var names = Spec["properties"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("x_custom", names);
        Assert.Contains("gatewayAPI", names);
        Assert.Equal(["size", "limit", "ratio", "big", "name", "enabled", "mode", "tags", "labels", "link", "extra", "anything", "x_custom", "gatewayAPI", "child", "children"], names);
    }

    [Fact]
    public void Xml_summaries_become_descriptions_with_code_markup_stripped()
    {
        Assert.Equal("Size in units.", (string?)Prop("size")["description"]);
        Assert.Equal("A resource used only to test the attribute mappings; its spec is a SampleSpec.", (string?)Root["description"]);
    }

    [Fact]
    public void The_type_summary_describes_an_object_whose_property_has_no_summary_and_list_items()
    {
        Assert.Equal("A child object described only on its type.", (string?)Prop("child")["description"]);
        Assert.Equal("Children in a list.", (string?)Prop("children")["description"]);
        Assert.Equal("A child object described only on its type.", (string?)Prop("children")["items"]!["description"]);
    }

    [Fact]
    public void Root_metadata_says_only_that_it_is_an_object_as_kube_apiserver_requires()
    {
        // validateStructuralMetadataInvariants refuses root metadata with anything but type, name and generateName.
        var generator = new CrdGenerator(XmlDocumentation.For(typeof(AgentWorkflow).Assembly));
        foreach (var type in CrdGenerator.ResourceTypes(typeof(AgentWorkflow).Assembly))
        {
            var metadata = generator.Generate(type)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["metadata"]!;
            Assert.Equal("""{"type":"object"}""", metadata.ToJsonString());
        }
    }

    [Fact]
    public void Every_property_of_the_agent_resources_has_a_description()
    {
        var generator = new CrdGenerator(XmlDocumentation.For(typeof(AgentWorkflow).Assembly));
        var missing = new List<string>();
        foreach (var type in CrdGenerator.ResourceTypes(typeof(AgentWorkflow).Assembly))
        {
            CollectUndescribed(generator.Generate(type)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!, type.Name, missing);
        }

        Assert.Empty(missing);
    }

    private static void CollectUndescribed(JsonNode schema, string path, List<string> missing)
    {
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                if (child!["description"] is null && !(!path.Contains('.', StringComparison.Ordinal) && name == "metadata"))
                {
                    missing.Add($"{path}.{name}");
                }

                CollectUndescribed(child, $"{path}.{name}", missing);
            }
        }

        if (schema["items"] is { } items)
        {
            CollectUndescribed(items, path + "[]", missing);
        }

        if (schema["additionalProperties"] is JsonObject values)
        {
            CollectUndescribed(values, path + "{}", missing);
        }
    }

    private static string TypeOnly(JsonNode node)
    {
        var copy = new JsonObject();
        foreach (var key in (string[])["type", "format"])
        {
            if (node[key] is { } value)
            {
                copy[key] = value.DeepClone();
            }
        }

        return copy.ToJsonString();
    }
}
