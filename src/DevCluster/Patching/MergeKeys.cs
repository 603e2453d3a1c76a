using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Patching;

/// <summary>
/// How a list field merges, from the <c>patchMergeKey</c>/<c>listType</c> tags of the built-in Go types the
/// operator uses: containers/env/volumes by name, volumeMounts by mountPath, conditions by type, ports by port
/// number, finalizers as a set. Every other list is atomic (replaced as a whole).
/// </summary>
internal static class MergeKeys
{
    /// <summary>The merge keys of <paramref name="field"/>, an empty array for a set of scalars, or null for an atomic list.</summary>
    public static string[]? For(string field, params JsonNode?[] samples)
    {
        switch (field)
        {
            case "containers" or "initContainers" or "ephemeralContainers" or "volumes" or "env" or "imagePullSecrets":
                return ["name"];
            case "hostAliases":
                return ["ip"];
            case "volumeMounts":
                return ["mountPath"];
            case "conditions":
                return ["type"];
            case "ownerReferences":
                return ["uid"];
            case "finalizers":
                return [];
            case "ports":
                var items = samples.OfType<JsonArray>().SelectMany(a => a).OfType<JsonObject>();
                return items.Any(i => i.ContainsKey("containerPort")) ? ["containerPort"] : ["port"];
            default:
                return null;
        }
    }

    /// <summary>Whether two list items are the same element under <paramref name="keys"/>.</summary>
    public static bool SameItem(JsonNode? a, JsonNode? b, string[] keys) =>
        keys.Length == 0
            ? JsonNode.DeepEquals(a, b)
            : a is JsonObject ao && b is JsonObject bo && keys.All(k => JsonNode.DeepEquals(ao[k], bo[k]));
}
