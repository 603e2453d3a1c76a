using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.SampleAgent;

/// <summary>
/// Parses SAMPLE_AGENT_TOOLS, in one of three forms:
/// <list type="bullet">
/// <item>a JSON array: <c>[{"name": "payments.issue_refund", "action": "create", "input": {...}, "violatingInput": {...}}]</c>;</item>
/// <item>the path of a file holding such an array;</item>
/// <item>a comma list of <c>name[:action][=input JSON]</c>, e.g.
/// <c>crm.lookup_order:read={"order_id":"A-1"},payments.issue_refund:create={"amount_usd":20}</c>
/// (commas inside the JSON are fine); a missing input is <c>{}</c>.</item>
/// </list>
/// </summary>
public static class SampleToolList
{
    /// <summary>Parses <paramref name="value"/>.</summary>
    /// <exception cref="FormatException">the value is not one of the forms.</exception>
    public static IReadOnlyList<SampleTool> Parse(string value)
    {
        var text = value.Trim();
        if (text.StartsWith('['))
        {
            return FromJson(text, "SAMPLE_AGENT_TOOLS");
        }

        if (!text.Contains('{', StringComparison.Ordinal) && (text.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.Contains('/', StringComparison.Ordinal)))
        {
            if (!File.Exists(text))
            {
                throw new FormatException($"SAMPLE_AGENT_TOOLS names the file '{text}', which does not exist");
            }

            return FromJson(File.ReadAllText(text), text);
        }

        return [.. SplitTopLevel(text).Select(ParseItem)];
    }

    private static IReadOnlyList<SampleTool> FromJson(string json, string source)
    {
        try
        {
            var array = JsonNode.Parse(json) as JsonArray ?? throw new FormatException($"{source} must hold a JSON array");
            return [.. array.Select(item =>
            {
                var tool = item as JsonObject ?? throw new FormatException($"{source}: every tool must be an object");
                var name = tool["name"]?.GetValue<string>() ?? throw new FormatException($"{source}: every tool needs a name");
                return new SampleTool(
                    name,
                    tool["action"]?.GetValue<string>(),
                    tool["input"]?.DeepClone() as JsonObject ?? [],
                    tool["violatingInput"]?.DeepClone() as JsonObject);
            })];
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            throw new FormatException($"{source} is not a valid tool list: {exception.Message}", exception);
        }
    }

    private static SampleTool ParseItem(string item)
    {
        var equals = item.IndexOf('=', StringComparison.Ordinal);
        var head = (equals < 0 ? item : item[..equals]).Trim();
        JsonObject input = [];
        if (equals >= 0)
        {
            try
            {
                input = JsonNode.Parse(item[(equals + 1)..]) as JsonObject ?? throw new FormatException($"the input of tool '{head}' must be a JSON object");
            }
            catch (JsonException exception)
            {
                throw new FormatException($"the input of tool '{head}' is not valid JSON: {exception.Message}", exception);
            }
        }

        var colon = head.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? head : head[..colon];
        var action = colon < 0 ? null : head[(colon + 1)..];
        if (name.Length == 0)
        {
            throw new FormatException($"SAMPLE_AGENT_TOOLS has an entry without a name: '{item}'");
        }

        return new SampleTool(name, action, input);
    }

    // Splits on commas outside JSON objects, arrays and strings.
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var inString = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"': inString = true; break;
                case '{' or '[': depth++; break;
                case '}' or ']': depth--; break;
                case ',' when depth == 0:
                    if (text[start..i].Trim() is { Length: > 0 } part)
                    {
                        yield return part;
                    }

                    start = i + 1;
                    break;
            }
        }

        if (text[start..].Trim() is { Length: > 0 } last)
        {
            yield return last;
        }
    }
}
