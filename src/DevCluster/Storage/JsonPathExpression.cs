using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentOperator.DevCluster.Storage;

/// <summary>
/// The JSONPath subset CRD printer columns and scale paths use: <c>.a.b</c>, <c>.a[0]</c>, <c>.a[*].b</c> and
/// <c>.a[?(@.type=="Ready")].status</c>.
/// </summary>
internal sealed partial class JsonPathExpression
{
    private readonly IReadOnlyList<Step> _steps;

    private JsonPathExpression(IReadOnlyList<Step> steps) => _steps = steps;

    public static JsonPathExpression Parse(string path)
    {
        var text = path.Trim();
        if (text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1];
        }

        text = text.TrimStart('$');
        var steps = new List<Step>();
        foreach (Match m in StepPattern().Matches(text))
        {
            if (m.Groups["field"].Success)
            {
                steps.Add(new Step(m.Groups["field"].Value, null, null, null));
            }
            else if (m.Groups["index"].Success)
            {
                steps.Add(new Step(null, int.Parse(m.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture), null, null));
            }
            else if (m.Groups["star"].Success)
            {
                steps.Add(new Step(null, null, "*", null));
            }
            else
            {
                steps.Add(new Step(null, null, m.Groups["ffield"].Value, m.Groups["fvalue"].Value));
            }
        }

        return new JsonPathExpression(steps);
    }

    /// <summary>All values the path selects.</summary>
    public IReadOnlyList<JsonNode> Select(JsonNode? root)
    {
        IEnumerable<JsonNode> current = root is null ? [] : [root];
        foreach (var step in _steps)
        {
            current = current.SelectMany(n => Apply(step, n)).ToList();
        }

        return current.ToList();
    }

    /// <summary>The first selected value, or null.</summary>
    public JsonNode? First(JsonNode? root) => Select(root) is { Count: > 0 } all ? all[0] : null;

    private static IEnumerable<JsonNode> Apply(Step step, JsonNode node)
    {
        if (step.Field is { } f)
        {
            if (node is JsonObject o && o[f] is { } v)
            {
                yield return v;
            }

            yield break;
        }

        if (node is not JsonArray a)
        {
            yield break;
        }

        if (step.Index is { } i)
        {
            if (i < a.Count && a[i] is { } v)
            {
                yield return v;
            }

            yield break;
        }

        foreach (var item in a)
        {
            if (item is null)
            {
                continue;
            }

            if (step.FilterField == "*" || (item is JsonObject io && io[step.FilterField!]?.ToString() == step.FilterValue))
            {
                yield return item;
            }
        }
    }

    [GeneratedRegex("""\.(?<field>[A-Za-z0-9_\-/]+)|\[(?<index>\d+)\]|\[(?<star>\*)\]|\[\?\(@\.(?<ffield>[A-Za-z0-9_]+)\s*==\s*["'](?<fvalue>[^"']*)["']\)\]""")]
    private static partial Regex StepPattern();

    private sealed record Step(string? Field, int? Index, string? FilterField, string? FilterValue);
}
