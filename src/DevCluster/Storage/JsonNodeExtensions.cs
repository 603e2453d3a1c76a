using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Storage;

/// <summary>Null-tolerant navigation over JSON objects, used wherever the code reads Kubernetes objects.</summary>
internal static class JsonNodeExtensions
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            node = node is JsonObject o ? o[p] : null;
        }

        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static long? Long(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? v.TryGetValue<long>(out var l) ? l : v.TryGetValue<int>(out var i) ? i : (long)v.GetValue<double>()
            : null;

    public static bool? Bool(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    /// <summary>The object at <paramref name="name"/>, created if missing.</summary>
    public static JsonObject Obj(this JsonObject node, string name)
    {
        if (node[name] is JsonObject o)
        {
            return o;
        }

        var created = new JsonObject();
        node[name] = created;
        return created;
    }

    public static JsonObject Metadata(this JsonObject obj) => obj.Obj("metadata");

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8) =>
        JsonNode.Parse(utf8) as JsonObject ?? throw new JsonException("expected a JSON object");

    public static JsonObject CloneObject(this JsonObject obj) => obj.DeepClone().AsObject();

    public static byte[] ToUtf8(this JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, JsonOptions.Compact);

    /// <summary>The condition of <paramref name="type"/> in status.conditions, if any.</summary>
    public static JsonObject? Condition(this JsonNode? obj, string type) =>
        obj.At("status", "conditions") is JsonArray a ? a.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type) : null;
}
