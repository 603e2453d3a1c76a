using System.Text.Json.Nodes;

namespace AgentOperator.DevMode;

/// <summary>Reads values at a path of a JSON object (an API object as the live view lists it).</summary>
internal static class Json
{
    /// <summary>A string at a path of <paramref name="node"/>, or null.</summary>
    public static string? Text(JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            node = node?[segment];
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
    }

    /// <summary>An integer at a path of <paramref name="node"/>, or null.</summary>
    public static long? Number(JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            node = node?[segment];
        }

        return node is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;
    }
}
