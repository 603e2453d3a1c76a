using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Patching;

/// <summary>RFC 7386 JSON merge patch (<c>application/merge-patch+json</c>): objects merge, null deletes, everything else replaces.</summary>
internal static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject t ? t : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var existing = result[key];
                result[key] = Apply(existing is JsonObject ? existing.DeepClone() : null, value);
            }
        }

        return result;
    }
}
