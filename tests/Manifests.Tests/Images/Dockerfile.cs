using System.Text.RegularExpressions;

namespace AgentOperator.Manifests.Tests.Images;

/// <summary>One stage of a Dockerfile: its base image, name and instructions (continuations joined).</summary>
/// <param name="From">Base image or stage name.</param>
/// <param name="Name">Name after AS, or null.</param>
/// <param name="Instructions">Each instruction as (KEYWORD, arguments).</param>
public sealed record DockerStage(string From, string? Name, IReadOnlyList<(string Keyword, string Arguments)> Instructions)
{
    /// <summary>The last value of an instruction (e.g. USER), or null.</summary>
    public string? Last(string keyword) => Instructions.LastOrDefault(i => i.Keyword == keyword).Arguments;
}

/// <summary>A minimal Dockerfile reader: enough to check stages, users, copies and entrypoints.</summary>
public static partial class Dockerfile
{
    /// <summary>The stages in order, with global ARG defaults substituted into FROM.</summary>
    public static IReadOnlyList<DockerStage> Parse(string text)
    {
        var lines = Regex.Replace(text, @"\\\r?\n", " ").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));
        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<DockerStage>();
        List<(string, string)>? current = null;
        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var from = FromLine().Match(arguments);
                var image = ArgReference().Replace(from.Groups["image"].Value, m => globalArgs.GetValueOrDefault(m.Groups["name"].Value, ""));
                current = [];
                stages.Add(new DockerStage(image, from.Groups["name"].Success ? from.Groups["name"].Value : null, current));
            }
            else if (current is null && keyword == "ARG")
            {
                var parts = arguments.Split('=', 2);
                globalArgs[parts[0]] = parts.Length > 1 ? parts[1] : "";
            }
            else
            {
                current?.Add((keyword, arguments));
            }
        }

        return stages;
    }

    [GeneratedRegex(@"^(--platform=\S+\s+)?(?<image>\S+)(\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex ArgReference();
}
