using System.Globalization;

namespace AgentOperator.Contracts;

/// <summary>
/// The gateway's <c>flush</c> command line, the gateway container's preStop hook: the operator renders it with
/// <see cref="PreStopCommand"/>, the gateway parses it with <see cref="Parse"/>.
/// <code>
/// flush [--port N]
/// </code>
/// It asks the gateway serving on 127.0.0.1:N (its agent-API port) to ship its audit buffer
/// (<see cref="GatewayShutdown.AuditFlushPath"/>) and exits 0 once the collector acknowledged all of it.
/// </summary>
public sealed record GatewayFlushArguments
{
    /// <summary>The command word, the first argument.</summary>
    public const string Command = "flush";

    /// <summary>The flags, for the usage text.</summary>
    public const string Synopsis = "flush [--port N]";

    private const string PortFlag = "--port";

    /// <summary>The gateway's agent-API port (loopback). Default <see cref="GatewayServeArguments.DefaultPort"/>.</summary>
    public int Port { get; init; } = GatewayServeArguments.DefaultPort;

    /// <summary>The arguments: <c>flush --port N</c>.</summary>
    public IReadOnlyList<string> Render() => [Command, PortFlag, Port.ToString(CultureInfo.InvariantCulture)];

    /// <summary>The preStop exec command: the gateway image's entrypoint (<see cref="GatewayPodLayout.GatewayEntrypoint"/>) with <see cref="Render"/>.</summary>
    public IReadOnlyList<string> PreStopCommand() => [.. GatewayPodLayout.GatewayEntrypoint, .. Render()];

    /// <summary>Parses the full argument list, <c>flush</c> first; throws <see cref="UsageException"/> naming what is wrong.</summary>
    public static GatewayFlushArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0] != Command)
        {
            throw new UsageException(args.Count == 0 ? "the command 'flush' is missing" : $"the command is '{args[0]}', not 'flush'");
        }

        int? port = null;
        for (var i = 1; i < args.Count; i++)
        {
            var (flag, value) = args[i].StartsWith(PortFlag + "=", StringComparison.Ordinal)
                ? (PortFlag, args[i][(PortFlag.Length + 1)..])
                : (args[i], i + 1 < args.Count ? args[++i] : null);
            if (flag != PortFlag)
            {
                throw new UsageException($"unknown argument '{flag}'; {Synopsis}");
            }

            if (port is not null)
            {
                throw new UsageException($"{PortFlag} is given more than once");
            }

            port = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535
                ? number
                : throw new UsageException($"{PortFlag} takes a port from 1 to 65535, not '{value}'");
        }

        return new GatewayFlushArguments { Port = port ?? GatewayServeArguments.DefaultPort };
    }
}
