using AgentOperator.Contracts;

namespace AgentOperator.Gateway.Cli;

/// <summary>
/// <c>--name value</c> pairs of one command; a name may repeat and may take several values
/// (<c>--tools a.yaml b.yaml</c>).
/// </summary>
public sealed class CommandArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    private CommandArguments()
    {
    }

    /// <summary>Parses the arguments after the command name; throws <see cref="UsageException"/> on a stray value.</summary>
    public static CommandArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new CommandArguments();
        List<string>? current = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var name = arg[2..];
                string? inline = null;
                var equals = name.IndexOf('=', StringComparison.Ordinal);
                if (equals >= 0)
                {
                    inline = name[(equals + 1)..];
                    name = name[..equals];
                }

                current = parsed._values.TryGetValue(name, out var existing) ? existing : parsed._values[name] = [];
                if (inline is not null)
                {
                    current.Add(inline);
                }
            }
            else if (current is not null)
            {
                current.Add(arg);
            }
            else
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }
        }

        return parsed;
    }

    /// <summary>The single value of <paramref name="name"/>, or null when absent.</summary>
    public string? Optional(string name) => _values.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;

    /// <summary>The value of <paramref name="name"/>; throws <see cref="UsageException"/> when absent.</summary>
    public string Required(string name) => Optional(name) ?? throw new UsageException($"--{name} is required");

    /// <summary>Every value given for <paramref name="name"/>.</summary>
    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];

    /// <summary>An integer value, or <paramref name="fallback"/>.</summary>
    public int Number(string name, int fallback) => Optional(name) is { } text
        ? int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : throw new UsageException($"--{name} must be an integer")
        : fallback;
}
