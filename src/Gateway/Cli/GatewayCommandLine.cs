using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Policy.Compilation;

namespace AgentOperator.Gateway.Cli;

/// <summary>The gateway's commands: serve (its arguments are <see cref="GatewayServeArguments"/>), flush (<see cref="GatewayFlushArguments"/>), compile, verify, replay.</summary>
public static class GatewayCommandLine
{
    public const string Usage = """
        usage:
          serve   --bundle-configmap NAMESPACE/NAME[/KEY] [--port N] [--metrics-port M] [--audit FILE] [--audit-collector URL] [--audit-token FILE]
                  [--secrets DIR] [--tokens DIR] [--otlp URL]
                  in a pod: watches the bundle ConfigMap with the in-cluster configuration (KUBERNETES_SERVICE_HOST/PORT and
                  /var/run/secrets/kubernetes.io/serviceaccount); approvals are created in $AGENTOPERATOR_NAMESPACE
          serve   --bundle FILE [--port N] [--metrics-port M] [--audit FILE] [--audit-collector URL] [--audit-token FILE] [--secrets DIR] [--tokens DIR] [--otlp URL]
                  outside Kubernetes: enforces a bundle file, reloaded when it changes; calls needing approval are refused
          flush   [--port N]
                  the preStop hook: the gateway on 127.0.0.1:N ships its audit buffer; exits 0 once the collector acknowledged it
          compile --workflow FILE --tools FILE...
          verify  --audit FILE
          verify  --collector URL --namespace NS --workflow NAME [--token-file FILE] [--public-key PEM]
          verify  --store DIR --namespace NS --workflow NAME --public-key PEM
          replay  --audit FILE --bundle FILE
        """;

    /// <summary>Runs a command; returns the process exit code (2 for usage errors).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Length == 0)
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        try
        {
            return args[0] switch
            {
                GatewayServeArguments.Command => await ServeCommand.RunAsync(args, output, cancellationToken),
                GatewayFlushArguments.Command => await FlushCommand.RunAsync(args, output, error, cancellationToken),
                "compile" => await CompileCommand.RunAsync(CommandArguments.Parse(args[1..]), output, error, cancellationToken),
                "verify" => await VerifyCommand.RunAsync(CommandArguments.Parse(args[1..]), output, cancellationToken),
                "replay" => await ReplayCommand.RunAsync(CommandArguments.Parse(args[1..]), output, cancellationToken),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException exception)
        {
            await error.WriteLineAsync($"error: {exception.Message}\n{Usage}");
            return 2;
        }
        catch (Exception exception) when (exception is JsonException or PolicyCompilationException or IOException or InClusterConfigurationException
            or InvalidOperationException or HttpRequestException or k8s.Autorest.HttpOperationException
            or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            // One line on what is wrong (no bundle, no in-cluster configuration, the API refused): a container's last words.
            await error.WriteLineAsync($"error: {exception.Message}");
            return 1;
        }
    }
}
