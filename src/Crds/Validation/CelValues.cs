using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Validation;

/// <summary>
/// Converts JSON to the values the <c>Cel</c> library evaluates, typed by the schema as kube-apiserver does: a JSON
/// <c>5</c> is a CEL int in an <c>integer</c> field and a CEL double in a <c>number</c> field, whatever its text.
/// </summary>
internal static class CelValues
{
    public static object? From(JsonNode? node, SchemaNode? schema, bool isResourceRoot = false)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject o:
                var map = new Dictionary<string, object?>(o.Count, StringComparer.Ordinal);
                foreach (var (key, value) in o)
                {
                    if (isResourceRoot && key == "metadata")
                    {
                        map[key] = RootMetadata(value);
                        continue;
                    }

                    var child = schema?.Properties.GetValueOrDefault(key) ?? schema?.AdditionalProperties;
                    // Fields outside the schema are invisible to rules (kube-apiserver has pruned them before rules run).
                    if (child is null && schema is { Type: not null, PreserveUnknownFields: false, AdditionalPropertiesAllowed: false })
                    {
                        continue;
                    }

                    map[key] = From(value, child);
                }

                return map;
            case JsonArray a:
                return a.Select(item => From(item, schema?.Items)).ToList();
            case JsonValue v:
                return v.GetValueKind() switch
                {
                    JsonValueKind.String => v.GetValue<string>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number when schema?.Type == "number" => JsonValues.ToDouble(v),
                    JsonValueKind.Number when schema?.Type == "integer" || JsonValues.IsIntegral(v) => JsonValues.ToLong(v),
                    JsonValueKind.Number => JsonValues.ToDouble(v),
                    _ => null,
                };
            default:
                return null;
        }
    }

    /// <summary>
    /// A whole object as admission policies see it (kube-apiserver's <c>object</c>/<c>oldObject</c>): typed by the schema
    /// like <c>self</c> of <c>x-kubernetes-validations</c>, except that apiVersion, kind and all of metadata are visible.
    /// Without a schema (built-in kinds) numbers are ints when integral and doubles otherwise.
    /// </summary>
    public static object? FromAdmissionObject(JsonObject? obj, SchemaNode? schema)
    {
        if (obj is null)
        {
            return null;
        }

        var map = new Dictionary<string, object?>(obj.Count, StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            var child = key is "metadata" or "apiVersion" or "kind" ? null : schema?.Properties.GetValueOrDefault(key);
            map[key] = From(value, child);
        }

        return map;
    }

    // At a resource root, rules see only metadata.name and metadata.generateName.
    private static Dictionary<string, object?> RootMetadata(JsonNode? metadata)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (metadata is JsonObject m)
        {
            foreach (var key in (string[])["name", "generateName"])
            {
                if (m[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                {
                    result[key] = v.GetValue<string>();
                }
            }
        }

        return result;
    }
}
