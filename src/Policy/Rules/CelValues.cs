using System.Text.Json;

namespace AgentOperator.Policy.Rules;

/// <summary>Converts JSON into the values the Cel package evaluates over.</summary>
public static class CelValues
{
    /// <summary>
    /// Objects become string-keyed maps, arrays lists, integral numbers <see cref="long"/> (CEL int) and
    /// every other number <see cref="double"/>, so that both <c>42</c> and <c>42.5</c> compare with <c>50.0</c>.
    /// </summary>
    public static object? FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    map[property.Name] = FromJson(property.Value);
                }

                return map;
            case JsonValueKind.Array:
                var list = new List<object?>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    list.Add(FromJson(item));
                }

                return list;
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                // 42 and 42.0 are both integral to a reader; keep the JSON spelling's intent: a decimal point
                // or exponent means double, otherwise int when it fits 64 bits.
                var raw = element.GetRawText();
                return raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && element.TryGetInt64(out var integer)
                    ? (object)integer
                    : element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}
