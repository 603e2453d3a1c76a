using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Validation;

/// <summary>
/// Applies schema defaults as kube-apiserver does on decode: an absent property (or a null one that is not nullable)
/// gets a copy of its default, recursively, including inside values that were just defaulted; nulls in non-nullable
/// properties without a default are dropped.
/// </summary>
internal static class StructuralDefaulter
{
    public static void Apply(JsonNode? node, SchemaNode? schema)
    {
        if (schema is null)
        {
            return;
        }

        switch (node)
        {
            case JsonObject o:
                ApplyToObject(o, schema);
                break;
            case JsonArray a when schema.Items is { } items:
                foreach (var item in a)
                {
                    Apply(item, items);
                }

                break;
        }
    }

    private static void ApplyToObject(JsonObject o, SchemaNode schema)
    {
        foreach (var (name, property) in schema.Properties)
        {
            var present = o.TryGetPropertyValue(name, out var value);
            var isNull = present && JsonValues.IsNull(value);
            if (property.Default is { } fallback && (!present || (isNull && !property.Nullable)))
            {
                o[name] = fallback.DeepClone();
            }
            else if (isNull && !property.Nullable)
            {
                o.Remove(name);
            }
        }

        foreach (var (key, value) in o.ToList())
        {
            Apply(value, schema.Properties.GetValueOrDefault(key) ?? schema.AdditionalProperties);
        }
    }
}
