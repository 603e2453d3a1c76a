using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.Gateway.Mcp;

/// <summary>
/// The <c>inputSchema</c> a tool is listed with on MCP. MCP requires an object schema with
/// <c>type: "object"</c> at the top (tool arguments are always an object), so a schema that leaves the type
/// out, or allows an object among other types, is listed with <c>type: "object"</c> and every other keyword
/// as it is; the gateway still validates against the bundle's schema. A schema that accepts no object at
/// all cannot be called through MCP and is not listed.
/// </summary>
public static class McpToolSchema
{
    private const string ObjectType = "object";

    /// <summary>The listed schema, or false with the reason the tool cannot be listed.</summary>
    public static bool TryList(JsonObject? schema, out JsonElement listed, [NotNullWhen(false)] out string? reason)
    {
        listed = default;
        var copy = schema?.DeepClone().AsObject() ?? [];
        switch (copy["type"])
        {
            case null:
                break;
            case JsonValue value when value.TryGetValue<string>(out var single) && single == ObjectType:
                break;
            case JsonArray types when types.Any(t => t is JsonValue v && v.TryGetValue<string>(out var named) && named == ObjectType):
                break;
            default:
                reason = $"its input schema does not accept an object (type: {copy["type"]!.ToJsonString()}), and MCP tool arguments are an object";
                return false;
        }

        copy.Remove("type");
        var result = new JsonObject { ["type"] = ObjectType };
        foreach (var (name, value) in copy.ToList())
        {
            copy.Remove(name);
            result[name] = value;
        }

        listed = JsonSerializer.SerializeToElement(result);
        reason = null;
        return true;
    }
}
