using System.Globalization;

namespace AgentOperator.DevMode.LiveView;

/// <summary>One sample of the Prometheus text exposition format: <c>name{label="value",...} 12.5</c>.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>The samples of <paramref name="exposition"/> (comments and lines it cannot read are skipped).</summary>
    public static IEnumerable<PrometheusSample> Parse(string exposition)
    {
        foreach (var raw in exposition.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var close = line.LastIndexOf('}');
            var name = brace < 0 ? line[..Math.Max(0, line.IndexOf(' ', StringComparison.Ordinal))] : line[..brace];
            var rest = brace < 0 ? line[name.Length..] : close > brace ? line[(close + 1)..] : "";
            var valueText = rest.Trim().Split(' ')[0];
            if (name.Length == 0 || !double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            yield return new PrometheusSample(name, brace < 0 || close < brace ? new Dictionary<string, string>() : ParseLabels(line[(brace + 1)..close]), value);
        }
    }

    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : "";

    private static Dictionary<string, string> ParseLabels(string text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            if (equals < 0 || equals + 1 >= text.Length || text[equals + 1] != '"')
            {
                break;
            }

            var key = text[i..equals].Trim().TrimStart(',').Trim();
            var value = new System.Text.StringBuilder();
            var j = equals + 2;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                    value.Append(text[j] == 'n' ? '\n' : text[j]);
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            labels[key] = value.ToString();
            i = j + 1;
        }

        return labels;
    }
}
