using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// The JSON path subset a web custom metric may use: <c>$</c>, then any of <c>.name</c>, <c>['name']</c> and
/// <c>[index]</c> (negative counts from the end), e.g. <c>$.revisions[0].costUsd</c>. No filters or wildcards: a
/// query names one value.
/// </summary>
internal sealed class SimpleJsonPath
{
    private readonly IReadOnlyList<object> _steps;

    private SimpleJsonPath(string text, IReadOnlyList<object> steps)
    {
        Text = text;
        _steps = steps;
    }

    public string Text { get; }

    /// <summary>Parses a path; throws <see cref="AnalysisQueryException"/> naming the position that does not parse.</summary>
    public static SimpleJsonPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var path = text.Trim();
        if (!path.StartsWith('$'))
        {
            throw Invalid(text, 0, "it must start with $");
        }

        var steps = new List<object>();
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var start = ++i;
                while (i < path.Length && (char.IsLetterOrDigit(path[i]) || path[i] is '_' or '-'))
                {
                    i++;
                }

                if (i == start)
                {
                    throw Invalid(text, start, "a name must follow '.'");
                }

                steps.Add(path[start..i]);
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] is '\'' or '"')
            {
                var quote = path[i + 1];
                var name = new StringBuilder();
                i += 2;
                while (i < path.Length && path[i] != quote)
                {
                    name.Append(path[i] == '\\' && i + 1 < path.Length ? path[++i] : path[i]);
                    i++;
                }

                if (i + 1 >= path.Length || path[i + 1] != ']')
                {
                    throw Invalid(text, i, "a quoted name must end with a quote and ']'");
                }

                steps.Add(name.ToString());
                i += 2;
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0 || !int.TryParse(path.AsSpan(i + 1, close - i - 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
                {
                    throw Invalid(text, i, "an index must be a whole number in brackets");
                }

                steps.Add(index);
                i = close + 1;
            }
            else
            {
                throw Invalid(text, i, $"'{path[i]}' is not '.' or '['");
            }
        }

        return new SimpleJsonPath(path, steps);
    }

    /// <summary>The element the path names, or null when a step is missing.</summary>
    public JsonElement? Select(JsonElement root)
    {
        var current = root;
        foreach (var step in _steps)
        {
            switch (step)
            {
                case string name when current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out var child):
                    current = child;
                    break;
                case int index when current.ValueKind == JsonValueKind.Array:
                    var length = current.GetArrayLength();
                    var at = index < 0 ? length + index : index;
                    if (at < 0 || at >= length)
                    {
                        return null;
                    }

                    current = current[at];
                    break;
                default:
                    return null;
            }
        }

        return current;
    }

    private static AnalysisQueryException Invalid(string text, int position, string why) =>
        new($"'{text}' is not a JSON path this provider reads (at {position}: {why}); use $.name, ['name'] and [index] steps");
}
