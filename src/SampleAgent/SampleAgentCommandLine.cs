using System.Globalization;

namespace AgentOperator.SampleAgent;

/// <summary>
/// The agent's command line: no argument runs the agent as its environment says (see <see cref="SampleAgentOptions"/>);
/// <c>eval [--cases=N] [--pass-rate=R] [--suite=NAME]</c> runs an eval, the flags overriding
/// SAMPLE_AGENT_EVAL_TASKS, SAMPLE_AGENT_EVAL_PASS_RATE and SAMPLE_AGENT_EVAL_SUITE. Flags take <c>--name=value</c>
/// or <c>--name value</c>.
/// </summary>
public static class SampleAgentCommandLine
{
    /// <summary>The command word of an eval.</summary>
    public const string EvalCommand = "eval";

    /// <summary>The options of an agent started with <paramref name="args"/> and <paramref name="environment"/>.</summary>
    /// <exception cref="FormatException">an unknown argument, or a value that does not parse; the message names it.</exception>
    public static SampleAgentOptions Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        if (args.Count == 0)
        {
            return SampleAgentOptions.FromEnvironment(environment);
        }

        if (args[0] != EvalCommand)
        {
            throw new FormatException($"unknown command '{args[0]}': expected no argument or {EvalCommand}");
        }

        // The command says eval whatever SAMPLE_AGENT_MODE says, so the environment is read as an eval's.
        var evalEnvironment = new Dictionary<string, string?>(environment, StringComparer.Ordinal) { ["SAMPLE_AGENT_MODE"] = "eval" };
        var options = SampleAgentOptions.FromEnvironment(evalEnvironment);
        foreach (var (name, value) in Flags(args.Skip(1).ToList()))
        {
            options = name switch
            {
                "cases" => options with { EvalTasks = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var cases) && cases >= 1 ? cases : throw new FormatException($"--cases must be an integer of at least 1, not '{value}'") },
                "pass-rate" => options with { EvalPassRate = SampleAgentOptions.ParseDouble("--pass-rate", value) is var rate and >= 0 and <= 1 ? rate : throw new FormatException($"--pass-rate must be between 0 and 1, not '{value}'") },
                "suite" => options with { EvalSuite = value.Length > 0 ? value : throw new FormatException("--suite needs a name") },
                _ => throw new FormatException($"unknown flag --{name} of {EvalCommand}: expected --cases, --pass-rate or --suite"),
            };
        }

        options.Validate();
        return options;
    }

    private static IEnumerable<(string Name, string Value)> Flags(List<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new FormatException($"unexpected argument '{arg}' of {EvalCommand}: flags are --name=value or --name value");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                yield return (arg[2..equals], arg[(equals + 1)..]);
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                yield return (arg[2..], args[++i]);
            }
            else
            {
                throw new FormatException($"--{arg[2..]} needs a value");
            }
        }
    }
}
