using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The structural-schema rules kube-apiserver holds every apiextensions.k8s.io/v1 CRD version's openAPIV3Schema to
/// (k8s.io/apiextensions-apiserver pkg/apis/apiextensions/validation and pkg/apiserver/schema/validation.go:
/// validateStructuralInvariants, validateNestedValueValidation): every specified field and array item has a type
/// (unless x-kubernetes-int-or-string or x-kubernetes-embedded-resource), the root is an object without a default,
/// arrays have items, properties and additionalProperties exclude each other, x-kubernetes-preserve-unknown-fields is
/// true or absent, root metadata may only restrict name and generateName, and anyOf/allOf/oneOf/not carry no type,
/// default, additionalProperties, nullable, title, description or x-kubernetes-* (bar the int-or-string anyOf).
/// </summary>
internal static class StructuralSchemaValidation
{
    private enum Level
    {
        Root,
        Item,
        Field,
    }

    public static void Validate(JsonObject crd, List<FieldError> errors)
    {
        var versions = (crd.At("spec", "versions") as JsonArray ?? []).ToList();
        for (var i = 0; i < versions.Count; i++)
        {
            var path = $"spec.versions[{i}].schema.openAPIV3Schema";
            if (versions[i].At("schema", "openAPIV3Schema") is not JsonObject schema)
            {
                errors.Add(new("FieldValueRequired", path, "Required value: schemas are required"));
                continue;
            }

            Node(schema, Level.Root, path, errors);
        }
    }

    private static void Node(JsonObject s, Level level, string path, List<FieldError> errors)
    {
        var type = s.Str("type") ?? "";
        var intOrString = s.Bool("x-kubernetes-int-or-string") == true;
        var embedded = s.Bool("x-kubernetes-embedded-resource") == true;
        var preserve = s.Bool("x-kubernetes-preserve-unknown-fields");
        var properties = s["properties"] as JsonObject;

        if (preserve == false)
        {
            errors.Add(new("FieldValueInvalid", path + ".x-kubernetes-preserve-unknown-fields", "Invalid value: false: must be true or undefined"));
        }

        if (properties is { Count: > 0 } && s["additionalProperties"] is JsonObject or JsonValue)
        {
            if (s["additionalProperties"] is not JsonValue allowed || allowed.GetValueKind() != System.Text.Json.JsonValueKind.True)
            {
                errors.Add(new("FieldValueForbidden", path + ".additionalProperties", "Forbidden: additionalProperties and properties are mutual exclusive"));
            }
        }

        if (type == "array" && s["items"] is null)
        {
            errors.Add(new("FieldValueRequired", path + ".items", "Required value: must be specified"));
        }

        if (intOrString && preserve == true)
        {
            errors.Add(new("FieldValueInvalid", path + ".x-kubernetes-preserve-unknown-fields", "Invalid value: true: must be false if x-kubernetes-int-or-string is true"));
        }

        if (intOrString && embedded)
        {
            errors.Add(new("FieldValueInvalid", path + ".x-kubernetes-embedded-resource", "Invalid value: true: must be false if x-kubernetes-int-or-string is true"));
        }

        if (embedded && type != "object")
        {
            errors.Add(type.Length == 0
                ? new("FieldValueRequired", path + ".type", "Required value: must be object if x-kubernetes-embedded-resource is true")
                : new("FieldValueInvalid", path + ".type", $"Invalid value: \"{type}\": must be object if x-kubernetes-embedded-resource is true"));
        }
        else if (type.Length == 0 && !intOrString)
        {
            errors.Add(new("FieldValueRequired", path + ".type", level switch
            {
                Level.Root => "Required value: must not be empty at the root",
                Level.Item => "Required value: must not be empty for specified array items",
                _ => "Required value: must not be empty for specified object fields",
            }));
        }

        if (embedded && s["additionalProperties"] is not null)
        {
            errors.Add(new("FieldValueRequired", path + ".additionalProperties", "Required value: must not be used if x-kubernetes-embedded-resource is set"));
        }

        if (level == Level.Root && type.Length > 0 && type != "object")
        {
            errors.Add(new("FieldValueInvalid", path + ".type", $"Invalid value: \"{type}\": must be object at the root"));
        }

        if (level == Level.Root && s["default"] is not null)
        {
            errors.Add(new("FieldValueForbidden", path + ".default", "Forbidden: must not be set at the root"));
        }

        if (level == Level.Root || embedded)
        {
            foreach (var (field, expected) in new[] { ("kind", "string"), ("apiVersion", "string"), ("metadata", "object") })
            {
                if (properties?[field] is JsonObject p && p.Str("type") != expected)
                {
                    errors.Add(new("FieldValueInvalid", $"{path}.properties[{field}].type", $"Invalid value: \"{p.Str("type") ?? ""}\": must be {expected}"));
                }
            }
        }

        if (level == Level.Root && properties?["metadata"] is JsonObject metadata && !OnlyNames(metadata))
        {
            errors.Add(new("FieldValueForbidden", path + ".properties[metadata]", "Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"));
        }

        if (embedded && preserve != true && properties is not { Count: > 0 })
        {
            errors.Add(new("FieldValueRequired", path + ".properties", "Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"));
        }

        foreach (var (name, child) in properties ?? [])
        {
            if (child is JsonObject c)
            {
                Node(c, Level.Field, $"{path}.properties[{name}]", errors);
            }
        }

        if (s["items"] is JsonObject items)
        {
            Node(items, Level.Item, path + ".items", errors);
        }

        if (s["additionalProperties"] is JsonObject additional)
        {
            Node(additional, Level.Field, path + ".additionalProperties", errors);
        }

        var intOrStringAnyOf = intOrString && IsIntOrStringAnyOf(s["anyOf"]);
        foreach (var junctor in new[] { "anyOf", "allOf", "oneOf" })
        {
            if (junctor == "anyOf" && intOrStringAnyOf)
            {
                continue;
            }

            var branches = (s[junctor] as JsonArray ?? []).ToList();
            for (var i = 0; i < branches.Count; i++)
            {
                if (branches[i] is JsonObject b)
                {
                    Nested(b, $"{path}.{junctor}[{i}]", errors);
                }
            }
        }

        if (s["not"] is JsonObject not)
        {
            Nested(not, path + ".not", errors);
        }
    }

    /// <summary>validateNestedValueValidation: value validations only validate; they declare no structure.</summary>
    private static void Nested(JsonObject v, string path, List<FieldError> errors)
    {
        foreach (var (field, body) in new[]
        {
            ("type", "Forbidden: must be empty to be structural"),
            ("additionalProperties", "Forbidden: must be undefined to be structural"),
            ("default", "Forbidden: must be undefined to be structural"),
            ("title", "Forbidden: must be empty to be structural"),
            ("description", "Forbidden: must be empty to be structural"),
            ("nullable", "Forbidden: must be false to be structural"),
            ("x-kubernetes-preserve-unknown-fields", "Forbidden: must be undefined to be structural"),
            ("x-kubernetes-embedded-resource", "Forbidden: must be false to be structural"),
            ("x-kubernetes-int-or-string", "Forbidden: must be false to be structural"),
        })
        {
            if (v[field] is { } value && !(value is JsonValue b && b.GetValueKind() == System.Text.Json.JsonValueKind.False && field != "additionalProperties"))
            {
                errors.Add(new("FieldValueForbidden", $"{path}.{field}", body));
            }
        }

        foreach (var (name, child) in v["properties"] as JsonObject ?? [])
        {
            if (child is JsonObject c)
            {
                Nested(c, $"{path}.properties[{name}]", errors);
            }
        }

        if (v["items"] is JsonObject items)
        {
            Nested(items, path + ".items", errors);
        }

        foreach (var junctor in new[] { "anyOf", "allOf", "oneOf" })
        {
            var branches = (v[junctor] as JsonArray ?? []).ToList();
            for (var i = 0; i < branches.Count; i++)
            {
                if (branches[i] is JsonObject b)
                {
                    Nested(b, $"{path}.{junctor}[{i}]", errors);
                }
            }
        }

        if (v["not"] is JsonObject not)
        {
            Nested(not, path + ".not", errors);
        }
    }

    /// <summary>The int-or-string exception: <c>anyOf: [{type: integer}, {type: string}]</c> beside x-kubernetes-int-or-string.</summary>
    private static bool IsIntOrStringAnyOf(JsonNode? anyOf) =>
        anyOf is JsonArray { Count: 2 } a && a[0].Str("type") == "integer" && a[1].Str("type") == "string";

    /// <summary>Root metadata may restrict name and generateName (and say it is an object), nothing else.</summary>
    private static bool OnlyNames(JsonObject metadata) =>
        metadata.All(kv => kv.Key switch
        {
            "type" => true,
            "properties" => kv.Value is JsonObject props && props.All(p => p.Key is "name" or "generateName"),
            _ => false,
        });
}
