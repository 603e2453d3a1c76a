using System.Text.Json.Nodes;

namespace AgentOperator.Operator.DevMode;

/// <summary>A container's <c>args</c>: the command word, then <c>--name value</c> or <c>--name=value</c> flags.</summary>
internal sealed record ContainerArguments(string? Command, IReadOnlyDictionary<string, string> Flags)
{
    public static ContainerArguments Parse(JsonObject container)
    {
        var args = Raw(container);
        var command = args.Count > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : null;
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = command is null ? 0 : 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new FormatException($"unexpected argument '{arg}'");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                flags[arg[2..equals]] = arg[(equals + 1)..];
            }
            else
            {
                flags[arg[2..]] = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
            }
        }

        return new(command, flags);
    }

    /// <summary>The container's <c>args</c> as written, for an entrypoint that parses them itself.</summary>
    public static IReadOnlyList<string> Raw(JsonObject container) =>
        [.. (container["args"] as JsonArray ?? []).Select(a => a?.GetValue<string>() ?? "")];

    public string? Flag(string name) => Flags.TryGetValue(name, out var value) ? value : null;
}
