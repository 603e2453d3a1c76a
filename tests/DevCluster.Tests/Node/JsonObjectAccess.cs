using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>Null-tolerant navigation over kubectl's JSON output (array steps by index).</summary>
internal static class JsonObjectAccess
{
    public static JsonNode? At(this JsonNode? node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step switch
            {
                string name when node is JsonObject o => o[name],
                int index when node is JsonArray a && index < a.Count => a[index],
                _ => null,
            };
        }

        return node;
    }

    public static string? Str(this JsonNode? node, params object[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static JsonNode? Condition(this JsonNode? pod, string type) =>
        (pod.At("status", "conditions") as JsonArray)?.FirstOrDefault(c => c.Str("type") == type);
}
