using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Validation;

/// <summary>Reads JSON nodes by their JSON kind, independent of how the node was created (parsed or built in code).</summary>
internal static class JsonValues
{
    /// <summary>The OpenAPI type name of a JSON value: object, array, string, integer, number, boolean or null.</summary>
    public static string TypeName(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => IsIntegral(v) ? "integer" : "number",
            _ => "null",
        },
        _ => "null",
    };

    public static bool IsNull(JsonNode? node) => node is null || (node is JsonValue v && v.GetValueKind() == JsonValueKind.Null);

    /// <summary>True for a number without a fractional part (5 and 5.0 alike, as Go's JSON integer check).</summary>
    public static bool IsIntegral(JsonValue value)
    {
        if (long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            return true;
        }

        var d = ToDouble(value);
        return !double.IsInfinity(d) && Math.Floor(d) == d && Math.Abs(d) < 9.2e18;
    }

    public static double ToDouble(JsonValue value) =>
        double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    public static long ToLong(JsonValue value) =>
        long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
            ? l
            : (long)ToDouble(value);

    /// <summary>A JSON scalar as string, long (integral numbers), double, bool or null; containers are returned as they are.</summary>
    public static object? ToPlain(JsonNode? node)
    {
        // Typed as object on purpose: a switch expression mixing JsonNode arms would convert scalars back into JsonNodes.
        if (node is not JsonValue v)
        {
            return node;
        }

        return v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            JsonValueKind.Number => ToDouble(v),
            _ => (object?)null,
        };
    }
}
