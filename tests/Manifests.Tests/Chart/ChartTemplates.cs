using System.Text;
using System.Text.Json.Nodes;
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

    /// <summary>
    /// The manager container's <c>args</c> and <c>env</c> as deployment.yaml renders them with <paramref name="values"/>:
    /// the part of the template between <c>args:</c> and <c>ports:</c>, evaluated for the constructs it uses
    /// (<c>if</c>/<c>with</c>/<c>else</c>/<c>end</c> on a value, <c>{{ .Values.x }}</c>, <c>toYaml . | nindent N</c> inside
    /// <c>with</c>). Any other template action there throws, so a template change cannot pass unrendered.
    /// </summary>
    public static JsonObject RenderManagerArgsAndEnv(JsonNode values)
    {
        var lines = All["deployment.yaml"].Split('\n');
        var start = Array.FindIndex(lines, l => l == "          args:");
        var end = Array.FindIndex(lines, start + 1, l => l == "          ports:");
        if (start < 0 || end < 0)
        {
            throw new InvalidOperationException("deployment.yaml: the manager container has no args: ... ports: block at its usual indentation");
        }

        var output = new StringBuilder();
        var scopes = new Stack<(bool Active, JsonNode? Dot)>();
        foreach (var line in lines[start..end])
        {
            var active = scopes.All(s => s.Active);
            var directive = Directive().Match(line);
            if (directive.Success)
            {
                switch (directive.Groups["verb"].Value)
                {
                    case "if" or "with":
                        var value = Json.At(values, directive.Groups["path"].Value);
                        scopes.Push((Truthy(value), value));
                        break;
                    case "else":
                        var (was, dot) = scopes.Pop();
                        scopes.Push((!was, dot));
                        break;
                    case "end":
                        scopes.Pop();
                        break;
                }

                continue;
            }

            var toYaml = ToYamlOfDot().Match(line);
            if (toYaml.Success)
            {
                if (active)
                {
                    var indent = new string(' ', int.Parse(toYaml.Groups["indent"].Value, System.Globalization.CultureInfo.InvariantCulture));
                    foreach (var item in scopes.Peek().Dot!.AsArray())
                    {
                        output.Append(indent).Append("- ").Append(item!.ToJsonString()).Append('\n');
                    }
                }

                continue;
            }

            var rendered = ValueAction().Replace(line, m => Json.At(values, m.Groups["path"].Value)?.ToString() ?? "");
            if (rendered.Contains("{{", StringComparison.Ordinal))
            {
                throw new NotSupportedException($"deployment.yaml: a template action this renderer does not evaluate: {line.Trim()}");
            }

            if (active)
            {
                output.Append(rendered).Append('\n');
            }
        }

        return Yaml.Parse(output.ToString()).AsObject();
    }

    /// <summary>Go template truthiness: false, 0, null and empty strings, lists and maps are false.</summary>
    private static bool Truthy(JsonNode? value) => value switch
    {
        null => false,
        JsonArray array => array.Count > 0,
        JsonObject obj => obj.Count > 0,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var text) => text.Length > 0,
        JsonValue v when v.TryGetValue<double>(out var number) => number != 0,
        _ => true,
    };

    private static Dictionary<string, string> Load() =>
        Directory.EnumerateFiles(Repository.PathOf($"{ChartDirectory}/templates"))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);

    [GeneratedRegex(@"^\s*\{\{-? (?<verb>if|with|else|end)( \.Values\.(?<path>[A-Za-z0-9_.]+))? -?\}\}\s*$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^\s*\{\{-? toYaml \. \| nindent (?<indent>\d+) -?\}\}\s*$")]
    private static partial Regex ToYamlOfDot();

    [GeneratedRegex(@"\{\{ \.Values\.(?<path>[A-Za-z0-9_.]+) \}\}")]
    private static partial Regex ValueAction();

    [GeneratedRegex(@"\.Values(?<path>(\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesReference();

    [GeneratedRegex(@"^kind: (?<kind>\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Kind();

    [GeneratedRegex(@"^  name: (?<name>.+)$", RegexOptions.Multiline)]
    private static partial Regex Name();
}
