using System.Text.RegularExpressions;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Chart;

/// <summary>
/// Reads the Helm chart without helm (not installable on these machines): values.yaml, Chart.yaml and the
/// template sources, with the literal YAML blocks the templates carry.
/// </summary>
public static partial class ChartTemplates
{
    public const string ChartDirectory = "charts/agent-operator";

    /// <summary>Template file name → text, for every file under templates/.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = Load();

    /// <summary>Every <c>.Values.a.b.c</c> path a template references, with the file it is in.</summary>
    public static IEnumerable<(string File, string Path)> ValueReferences() =>
        All.SelectMany(t => ValuesReference().Matches(t.Value).Select(m => (t.Key, m.Groups["path"].Value)));

    /// <summary>
    /// The Roles and ClusterRoles a template declares, by name (the part after the fullname include, or
    /// the literal name), with the literal text of their <c>rules:</c> block.
    /// </summary>
    public static IEnumerable<(string Kind, string Name, string RulesYaml)> Roles(string file)
    {
        foreach (var document in All[file].Split("\n---\n"))
        {
            var kind = Kind().Match(document);
            if (!kind.Success || kind.Groups["kind"].Value is not ("Role" or "ClusterRole"))
            {
                continue;
            }

            var name = Name().Match(document);
            var lines = document.Split('\n');
            var start = Array.IndexOf(lines, "rules:");
            if (!name.Success || start < 0)
            {
                throw new InvalidOperationException($"{file}: a {kind.Groups["kind"].Value} without a name or rules");
            }

            // The rules block ends at the next top-level key or template action at column 0.
            var block = lines.Skip(start).TakeWhile((line, index) => index == 0 || line.Length == 0 || line[0] is ' ' or '#').ToList();
            yield return (kind.Groups["kind"].Value, name.Groups["name"].Value.Trim(), string.Join('\n', block));
        }
    }

    private static Dictionary<string, string> Load() =>
        Directory.EnumerateFiles(Repository.PathOf($"{ChartDirectory}/templates"))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);

    [GeneratedRegex(@"\.Values(?<path>(\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesReference();

    [GeneratedRegex(@"^kind: (?<kind>\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Kind();

    [GeneratedRegex(@"^  name: (?<name>.+)$", RegexOptions.Multiline)]
    private static partial Regex Name();
}
