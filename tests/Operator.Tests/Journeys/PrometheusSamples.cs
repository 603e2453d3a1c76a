using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentOperator.Operator.Tests.Journeys;

/// <summary>The samples of a Prometheus text exposition, as a scrape reads them.</summary>
internal sealed partial class PrometheusSamples(IReadOnlyList<PrometheusSample> samples)
{
    public IReadOnlyList<PrometheusSample> All => samples;

    public static PrometheusSamples Parse(string exposition) =>
        new([.. exposition.Split('\n').Select(l => Line().Match(l)).Where(m => m.Success).Select(m => new PrometheusSample(
            m.Groups["name"].Value,
            Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["key"].Value, l => l.Groups["value"].Value, StringComparer.Ordinal),
            double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))]);

    /// <summary>The sum of <paramref name="name"/> over the series whose labels include every pair of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>[-+0-9.eE]+|NaN)(\s+\d+)?\s*$")]
    private static partial Regex Line();

    [GeneratedRegex("""(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Label();
}

/// <summary>One sample: a metric name, its labels and value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
