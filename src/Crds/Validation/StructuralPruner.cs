using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Validation;

/// <summary>
/// Drops fields the schema does not specify, as kube-apiserver does silently when it decodes a custom resource
/// (unless the node has <c>x-kubernetes-preserve-unknown-fields</c>). Returns the paths it dropped so a caller can warn
/// (<c>unknown field "spec.foo"</c>) or refuse them under strict field validation.
/// </summary>
internal static class StructuralPruner
{
    public static void Prune(JsonNode? node, SchemaNode? schema, string path, bool isResourceRoot, List<string> pruned)
    {
        switch (node)
        {
            case JsonObject o:
                PruneObject(o, schema, path, isResourceRoot, pruned);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Prune(a[i], schema?.Items, FieldPath.Index(path, i), schema?.Items?.EmbeddedResource == true, pruned);
                }

                break;
        }
    }

    private static void PruneObject(JsonObject o, SchemaNode? schema, string path, bool isResourceRoot, List<string> pruned)
    {
        // A node without a schema below a preserve-unknown-fields node keeps everything.
        if (schema is null)
        {
            return;
        }

        foreach (var key in o.Select(p => p.Key).ToList())
        {
            // apiVersion, kind and metadata of a resource belong to the API machinery, which prunes ObjectMeta itself.
            if (isResourceRoot && key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            var childPath = FieldPath.Child(path, key);
            if (schema.Properties.TryGetValue(key, out var property))
            {
                Prune(o[key], property, childPath, property.EmbeddedResource, pruned);
            }
            else if (schema.AdditionalProperties is { } values)
            {
                Prune(o[key], values, childPath, values.EmbeddedResource, pruned);
            }
            else if (!schema.PreserveUnknownFields && !schema.AdditionalPropertiesAllowed)
            {
                o.Remove(key);
                pruned.Add(childPath);
            }
        }
    }
}
