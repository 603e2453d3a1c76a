using System.Text.Json.Nodes;
using AgentOperator.Crds.Validation;

namespace AgentOperator.Crds.Tests;

/// <summary>The validator on hand-written structural schemas: behaviour that does not depend on the agent CRDs.</summary>
public sealed class GenericSchemaValidationTests
{
    private static CustomResourceSchema Schema(string specSchema) => CustomResourceSchema.Compile(JsonNode.Parse(
        """{"type":"object","properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},"spec":""" + specSchema + "}}")!);

    private static IReadOnlyList<string> Validate(CustomResourceSchema schema, string spec, string? oldSpec = null) =>
        [.. schema.Validate(Resource(spec), oldSpec is null ? null : Resource(oldSpec)).Select(e => e.ToString())];

    private static JsonNode Resource(string spec) =>
        JsonNode.Parse("""{"apiVersion":"t.io/v1","kind":"T","metadata":{"name":"alpha"},"spec":""" + spec + "}")!;

    [Fact]
    public void A_json_integer_in_a_number_field_is_a_cel_double()
    {
        var schema = Schema("""{"type":"object","properties":{"x":{"type":"number"}},"x-kubernetes-validations":[{"rule":"self.x > 0.5 && type(self.x) == double","message":"x must exceed 0.5"}]}""");
        Assert.Empty(Validate(schema, """{"x":1}"""));
        Assert.Equal(["spec: Invalid value: \"object\": x must exceed 0.5"], Validate(schema, """{"x":0}"""));
    }

    [Fact]
    public void A_whole_json_number_in_an_integer_field_is_a_cel_int()
    {
        var schema = Schema("""{"type":"object","properties":{"n":{"type":"integer"}},"x-kubernetes-validations":[{"rule":"type(self.n) == int && self.n == 5"}]}""");
        Assert.Empty(Validate(schema, """{"n":5.0}"""));
        Assert.Equal(["spec: Invalid value: \"object\": failed rule: type(self.n) == int && self.n == 5"], Validate(schema, """{"n":6}"""));
    }

    [Fact]
    public void A_fraction_in_an_integer_field_is_a_type_error()
    {
        var schema = Schema("""{"type":"object","properties":{"n":{"type":"integer"}}}""");
        Assert.Equal(
            ["spec.n: Invalid value: \"number\": spec.n in body must be of type integer: \"number\"",
             "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"],
            Validate(schema, """{"n":1.5}"""));
    }

    [Fact]
    public void A_rule_on_an_absent_node_is_not_evaluated()
    {
        var schema = Schema("""{"type":"object","properties":{"child":{"type":"object","x-kubernetes-validations":[{"rule":"false","message":"never"}]}}}""");
        Assert.Empty(Validate(schema, "{}"));
        Assert.Equal(["spec.child: Invalid value: \"object\": never"], Validate(schema, """{"child":{}}"""));
    }

    [Fact]
    public void A_transition_rule_is_skipped_on_create_and_checked_on_update()
    {
        var schema = Schema("""{"type":"object","properties":{"size":{"type":"integer","x-kubernetes-validations":[{"rule":"self >= oldSelf","message":"size may only grow"}]}}}""");
        Assert.Empty(Validate(schema, """{"size":1}"""));
        Assert.Empty(Validate(schema, """{"size":3}""", """{"size":2}"""));
        Assert.Equal(["spec.size: Invalid value: \"integer\": size may only grow"], Validate(schema, """{"size":1}""", """{"size":2}"""));
    }

    [Fact]
    public void Selecting_an_absent_field_is_an_evaluation_error_naming_the_key_and_rule()
    {
        var schema = Schema("""{"type":"object","properties":{"a":{"type":"string"}},"x-kubernetes-validations":[{"rule":"self.a == 'x'"}]}""");
        Assert.Equal(["spec: Invalid value: \"object\": no such key: a evaluating rule: self.a == 'x'"], Validate(schema, "{}"));
    }

    [Fact]
    public void Rules_on_map_values_report_the_key_in_brackets()
    {
        var schema = Schema("""{"type":"object","properties":{"limits":{"type":"object","additionalProperties":{"type":"integer","x-kubernetes-validations":[{"rule":"self <= 10","message":"at most 10"}]}}}}""");
        Assert.Equal(["spec.limits[cpu]: Invalid value: \"integer\": at most 10"], Validate(schema, """{"limits":{"cpu":11,"mem":1}}"""));
    }

    [Fact]
    public void Rules_see_the_root_metadata_name()
    {
        var schema = CustomResourceSchema.Compile(JsonNode.Parse("""
            {"type":"object","properties":{"metadata":{"type":"object"},"spec":{"type":"object"}},
             "x-kubernetes-validations":[{"rule":"self.metadata.name.startsWith('a')","message":"name must start with a"}]}
            """)!);
        Assert.Empty(schema.Validate(Resource("{}")));
        Assert.Equal(
            "<nil>: Invalid value: \"object\": name must start with a",
            Assert.Single(schema.Validate(JsonNode.Parse("""{"metadata":{"name":"beta"},"spec":{}}""")!)).ToString());
    }

    [Fact]
    public void A_message_expression_is_used_as_the_detail()
    {
        var schema = Schema("""{"type":"object","properties":{"n":{"type":"integer"}},"x-kubernetes-validations":[{"rule":"self.n < 3","messageExpression":"'n is ' + string(self.n)"}]}""");
        Assert.Equal(["spec: Invalid value: \"object\": n is 7"], Validate(schema, """{"n":7}"""));
    }

    [Fact]
    public void Forbidden_and_duplicate_reasons_follow_kube_apiserver()
    {
        var schema = Schema("""
            {"type":"object","properties":{"a":{"type":"string"},"l":{"type":"array","items":{"type":"string"}}},
             "x-kubernetes-validations":[{"rule":"!has(self.a)","message":"a is not allowed","fieldPath":".a","reason":"FieldValueForbidden"},
                                         {"rule":"size(self.l) < 2","message":"dropped by Kubernetes","fieldPath":".l","reason":"FieldValueDuplicate"}]}
            """);
        Assert.Equal(["spec.a: Forbidden: a is not allowed", "spec.l: Duplicate value: \"object\""], Validate(schema, """{"a":"x","l":["p","q"]}"""));
    }

    [Fact]
    public void A_set_list_with_a_repeated_item_is_a_duplicate()
    {
        var schema = Schema("""{"type":"object","properties":{"l":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}}}""");
        Assert.Equal(["spec.l[2]: Duplicate value: \"a\""], Validate(schema, """{"l":["a","b","a"]}"""));
    }

    [Fact]
    public void A_map_list_with_a_repeated_key_is_a_duplicate_showing_the_key()
    {
        var schema = Schema("""{"type":"object","properties":{"l":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],"items":{"type":"object","properties":{"name":{"type":"string"},"v":{"type":"integer"}}}}}}""");
        Assert.Equal(["spec.l[1]: Duplicate value: map[string]interface {}{\"name\":\"a\"}"], Validate(schema, """{"l":[{"name":"a","v":1},{"name":"a","v":2}]}"""));
    }

    [Fact]
    public void Exclusive_bounds_min_items_min_length_and_min_properties_use_kube_openapi_wording()
    {
        var schema = Schema("""
            {"type":"object","properties":{
              "r":{"type":"number","minimum":0,"exclusiveMinimum":true,"maximum":1,"exclusiveMaximum":true},
              "l":{"type":"array","minItems":2,"items":{"type":"string"}},
              "s":{"type":"string","minLength":3},
              "m":{"type":"object","minProperties":1,"additionalProperties":{"type":"string"}}}}
            """);
        Assert.Equal(
            ["spec.r: Invalid value: 1: spec.r in body should be less than 1",
             "spec.l: Invalid value: 1: spec.l in body should have at least 2 items",
             "spec.s: Invalid value: \"ab\": spec.s in body should be at least 3 chars long",
             "spec.m: Invalid value: 0: spec.m in body should have at least 1 properties"],
            Validate(schema, """{"r":1,"l":["x"],"s":"ab","m":{}}"""));
        Assert.Equal(["spec.r: Invalid value: 0: spec.r in body should be greater than 0"], Validate(schema, """{"r":0}"""));
        Assert.Equal(["spec.r: Invalid value: 0.5: spec.r in body should be greater than 0.75"], Validate(Schema("""{"type":"object","properties":{"r":{"type":"number","minimum":0.75,"exclusiveMinimum":true}}}"""), """{"r":0.5}"""));
    }

    [Fact]
    public void An_int_or_string_field_accepts_both_and_rejects_others()
    {
        var schema = Schema("""{"type":"object","properties":{"port":{"x-kubernetes-int-or-string":true}}}""");
        Assert.Empty(Validate(schema, """{"port":80}"""));
        Assert.Empty(Validate(schema, """{"port":"http"}"""));
        Assert.StartsWith("spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string", Validate(schema, """{"port":true}""")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_that_does_not_parse_fails_compilation_with_its_schema_path()
    {
        var ex = Assert.Throws<SchemaCompilationException>(() =>
            Schema("""{"type":"object","properties":{"a":{"type":"string","x-kubernetes-validations":[{"rule":"self.startsWith("}]}}}"""));
        var error = Assert.Single(ex.Errors);
        Assert.Equal("openAPIV3Schema.properties[spec].properties[a].x-kubernetes-validations[0].rule", error.Path);
        Assert.StartsWith("openAPIV3Schema.properties[spec].properties[a].x-kubernetes-validations[0].rule: Invalid value: \"self.startsWith(\": compilation failed: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_pattern_fails_compilation()
    {
        var ex = Assert.Throws<SchemaCompilationException>(() => Schema("""{"type":"object","properties":{"a":{"type":"string","pattern":"("}}}"""));
        Assert.Equal("openAPIV3Schema.properties[spec].properties[a].pattern", Assert.Single(ex.Errors).Path);
    }

    [Fact]
    public void Field_errors_expose_reason_and_body_for_status_causes()
    {
        var error = FieldError.NotSupported("spec.mode", "x", ["a", "b"]);
        Assert.Equal("FieldValueNotSupported", error.Reason);
        Assert.Equal("Unsupported value: \"x\": supported values: \"a\", \"b\"", error.Body);
        Assert.Equal("spec.mode: Unsupported value: \"x\": supported values: \"a\", \"b\"", error.ToString());
        Assert.Equal("spec.s: Invalid value: \"a\\\"b\\n\": bad", FieldError.Invalid("spec.s", "a\"b\n", "bad").ToString());
        Assert.Equal("spec.f: Invalid value: 1.234567e+06: big", FieldError.Invalid("spec.f", 1234567.0, "big").ToString());
        Assert.Equal("spec.f: Invalid value: 1e-05: small", FieldError.Invalid("spec.f", 0.00001, "small").ToString());
    }
}
