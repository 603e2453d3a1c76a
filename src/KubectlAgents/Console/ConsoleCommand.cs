using System.CommandLine;
using System.Net;
using AgentOperator.KubectlAgents.Cli;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// <c>console [--port N] [--address IP] [--collector URL]</c>: serves the web console on loopback until Ctrl-C, acting
/// with the user's kubeconfig as every other command does (as <c>kubectl argo rollouts dashboard</c> does). It listens on
/// loopback only: whoever reaches the port acts with the user's credentials.
/// </summary>
public static class ConsoleCommand
{
    public static Command Create(Func<ParseResult, CommandContext> contexts)
    {
        var port = new Option<int>("--port") { Description = $"The port to serve on (default {ConsoleOptions.DefaultPort}; 0 picks a free one)", DefaultValueFactory = _ => ConsoleOptions.DefaultPort };
        var address = new Option<string>("--address") { Description = "The loopback address to serve on (default 127.0.0.1; ::1 also works)", DefaultValueFactory = _ => ConsoleOptions.DefaultAddress.ToString() };
        var collector = new Option<string?>("--collector")
        {
            Description = "The audit collector's URL for runs, evidence and audit verification, e.g. http://127.0.0.1:18080 after "
                + "kubectl -n agentoperator-system port-forward svc/agentoperator-audit-collector 18080:8080",
        };
        var command = new Command("console", "Serve the web console on 127.0.0.1: workflows, rollout charts, runs, approvals, audit, kill switch") { port, address, collector };
        command.SetAction(async (parse, ct) =>
        {
            using var context = contexts(parse);
            var options = new ConsoleOptions(Loopback(parse.GetValue(address)!), parse.GetValue(port), Collector(parse.GetValue(collector)));
            if (options.Port is < 0 or > 65535)
            {
                throw new CommandFailureException($"error: --port {options.Port} is not a port: use 1-65535, or 0 for a free one");
            }

            await using var server = await ConsoleServer.StartAsync(options, context.Session, context.Time, ct);
            await context.Output.WriteLineAsync($"Console serving at {server.Address} as your kubeconfig's user (Ctrl-C to stop)");
            await context.Output.FlushAsync(ct);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: stop serving.
            }

            return 0;
        });
        return command;
    }

    private static IPAddress Loopback(string text) =>
        IPAddress.TryParse(text, out var ip) && IPAddress.IsLoopback(ip)
            ? ip
            : throw new CommandFailureException(
                $"error: --address {text} is not a loopback address: the console acts with your credentials, so it serves only 127.0.0.1 or ::1 (reach it remotely through ssh -L)");

    private static Uri? Collector(string? text) => text is null ? null : Commands.RunsCommand.Collector(text);
}
