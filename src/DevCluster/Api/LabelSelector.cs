using System.Text.RegularExpressions;

namespace AgentOperator.DevCluster.Api;

/// <summary>The label selector language of k8s.io/apimachinery/pkg/labels: <c>a=b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>.</summary>
internal sealed partial class LabelSelector
{
    private readonly IReadOnlyList<Requirement> _requirements;

    private LabelSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var p = part.Trim();
            Match m;
            if ((m = SetPattern().Match(p)).Success)
            {
                var values = m.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                requirements.Add(new Requirement(m.Groups["key"].Value, m.Groups["op"].Value.ToLowerInvariant(), values));
            }
            else if ((m = EqualityPattern().Match(p)).Success)
            {
                var op = m.Groups["op"].Value == "!=" ? "!=" : "=";
                requirements.Add(new Requirement(m.Groups["key"].Value, op, [m.Groups["value"].Value]));
            }
            else if ((m = ExistsPattern().Match(p)).Success)
            {
                requirements.Add(new Requirement(m.Groups["key"].Value, m.Groups["not"].Success ? "!" : "exists", []));
            }
            else
            {
                throw ApiErrors.BadRequest($"unable to parse requirement: found '{p}', expected: in, notin, =, ==, !=, gt, lt");
            }
        }

        return new LabelSelector(requirements);
    }

    /// <summary>Builds a selector from a meta/v1 LabelSelector's matchLabels (what Deployments and ReplicaSets carry).</summary>
    public static LabelSelector FromMatchLabels(IReadOnlyDictionary<string, string> labels) =>
        new(labels.Select(kv => new Requirement(kv.Key, "=", [kv.Value])).ToList());

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r.Matches(labels));

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    [GeneratedRegex(@"^(?<key>[A-Za-z0-9./_-]+)\s+(?<op>in|notin)\s*\((?<values>[^)]*)\)$", RegexOptions.IgnoreCase)]
    private static partial Regex SetPattern();

    [GeneratedRegex(@"^(?<key>[A-Za-z0-9./_-]+)\s*(?<op>==|=|!=)\s*(?<value>[A-Za-z0-9._-]*)$")]
    private static partial Regex EqualityPattern();

    [GeneratedRegex(@"^(?<not>!)?\s*(?<key>[A-Za-z0-9./_-]+)$")]
    private static partial Regex ExistsPattern();

    private sealed record Requirement(string Key, string Op, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var v);
            return Op switch
            {
                "=" => has && v == Values[0],
                "!=" => !has || v != Values[0],
                "in" => has && Values.Contains(v),
                "notin" => !has || !Values.Contains(v),
                "exists" => has,
                "!" => !has,
                _ => false,
            };
        }
    }
}
