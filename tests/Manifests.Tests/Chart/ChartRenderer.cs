using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Chart;

/// <summary>
/// Renders a chart template without helm (not installable here), for a release named <see cref="Release"/> in
/// <see cref="Namespace"/>, for the constructs the monitoring and Service templates use: <c>if</c>/<c>with</c>/<c>else</c>/<c>end</c>
/// on one value or <c>and</c> of values, <c>{{ .Values.x }}</c>, <c>{{ . }}</c> and <c>default .Chart.AppVersion .Values.x</c>, <c>.Release.Name/Namespace/Service</c>,
/// <c>.Chart.AppVersion | quote</c>, the name/fullname/chart includes, the labels and selectorLabels includes (their
/// definitions read from _helpers.tpl) with <c>| nindent N</c>, and <c>toYaml . | nindent N</c> (inside <c>with</c>) or <c>toYaml .Values.x | nindent N</c>.
/// Any other template action throws, so a template change cannot pass unrendered.
/// </summary>
public static partial class ChartRenderer
{
    public const string Release = "agent-operator";
    public const string Namespace = "agentoperator-system";

    /// <summary>The objects <paramref name="template"/> renders with <paramref name="values"/>.</summary>
    public static IReadOnlyList<KubeObject> Render(string template, JsonNode values) =>
        [.. Yaml.ParseAll(RenderText(ChartTemplates.All[template], values)).Where(d => d is JsonObject { Count: > 0 }).Select(KubeObject.From)];

    /// <summary>The rendered text of <paramref name="text"/>.</summary>
    public static string RenderText(string text, JsonNode values)
    {
        var chart = Yaml.Parse(Repository.Read($"{ChartTemplates.ChartDirectory}/Chart.yaml"));
        var output = new StringBuilder();
        var scopes = new Stack<(bool Active, JsonNode? Dot)>();
        foreach (var line in text.Split('\n'))
        {
            var active = scopes.All(s => s.Active);
            var directive = Directive().Match(line);
            if (directive.Success)
            {
                switch (directive.Groups["verb"].Value)
                {
                    case "if" or "with":
                        var paths = directive.Groups["and"].Success ? directive.Groups["path"].Captures.Select(c => c.Value) : [directive.Groups["path"].Value];
                        var dot = Json.At(values, paths.Last());
                        scopes.Push((paths.All(p => Truthy(Json.At(values, p))), dot));
                        break;
                    case "else":
                        var (was, elseDot) = scopes.Pop();
                        scopes.Push((!was, elseDot));
                        break;
                    case "end":
                        scopes.Pop();
                        break;
                }

                continue;
            }

            var block = Block().Match(line);
            if (block.Success)
            {
                if (active)
                {
                    var indent = new string(' ', int.Parse(block.Groups["indent"].Value, CultureInfo.InvariantCulture));
                    var what = block.Groups["what"].Value;
                    var lines = what.StartsWith("toYaml ", StringComparison.Ordinal)
                        ? FlowYaml(what == "toYaml ." ? scopes.Peek().Dot : Json.At(values, what["toYaml .Values.".Length..]))
                        : RenderText(Define(what), values).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    foreach (var item in lines)
                    {
                        output.Append(indent).Append(item.Trim()).Append('\n');
                    }
                }

                continue;
            }

            var rendered = Action().Replace(line, m => m.Groups["action"].Value switch
            {
                "include \"agent-operator.fullname\" ." or "include \"agent-operator.name\" ." or ".Release.Name" => Release,
                ".Release.Namespace" => Namespace,
                "." => scopes.Peek().Dot?.ToString() ?? "",
                var action when action.StartsWith("default .Chart.AppVersion .Values.", StringComparison.Ordinal) =>
                    Json.At(values, action["default .Chart.AppVersion .Values.".Length..]) is { } value && Truthy(value) ? value.ToString() : (string?)chart["appVersion"] ?? "",
                ".Release.Service" => "Helm",
                "include \"agent-operator.chart\" ." => $"agent-operator-{(string?)chart["version"]}",
                ".Chart.AppVersion | quote" => $"\"{(string?)chart["appVersion"]}\"",
                var action when action.StartsWith(".Values.", StringComparison.Ordinal) => Json.At(values, action[".Values.".Length..])?.ToString() ?? "",
                var action => throw new NotSupportedException($"a template action this renderer does not evaluate: {action}"),
            });
            if (active)
            {
                output.Append(rendered).Append('\n');
            }
        }

        return output.ToString();
    }

    /// <summary>The body of <c>define "agent-operator.{name}"</c> in _helpers.tpl, for <c>include "…" . | nindent N</c>.</summary>
    private static string Define(string include)
    {
        var name = IncludeName().Match(include);
        if (!name.Success || name.Groups["name"].Value is not ("agent-operator.labels" or "agent-operator.selectorLabels" or "agent-operator.collectorSelectorLabels"))
        {
            throw new NotSupportedException($"a block this renderer does not evaluate: {include}");
        }

        var helpers = ChartTemplates.All["_helpers.tpl"];
        var start = helpers.IndexOf($"{{{{- define \"{name.Groups["name"].Value}\" -}}}}\n", StringComparison.Ordinal);
        var body = helpers[(helpers.IndexOf('\n', start) + 1)..];
        return body[..body.IndexOf("{{- end }}", StringComparison.Ordinal)];
    }

    /// <summary>A map or list as YAML lines whose values are JSON (flow YAML), which is what toYaml means to a parser.</summary>
    private static IEnumerable<string> FlowYaml(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Select(p => $"{p.Key}: {p.Value?.ToJsonString() ?? "null"}"),
        JsonArray array => array.Select(item => $"- {item?.ToJsonString() ?? "null"}"),
        _ => throw new NotSupportedException($"toYaml of {node?.ToJsonString() ?? "nothing"}"),
    };

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

    [GeneratedRegex(@"^\s*\{\{-? (?<verb>if|with|else|end)(?<and> and)?(?: \.Values\.(?<path>[A-Za-z0-9_.]+))* -?\}\}\s*$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^\s*\{\{-? (?<what>toYaml \.(?:Values\.[A-Za-z0-9_.]+)?|include ""[^""]+"" \.) \| nindent (?<indent>\d+) -?\}\}\s*$")]
    private static partial Regex Block();

    [GeneratedRegex(@"\{\{-? (?<action>[^}]+?) -?\}\}")]
    private static partial Regex Action();

    [GeneratedRegex(@"include ""(?<name>[^""]+)""")]
    private static partial Regex IncludeName();
}
