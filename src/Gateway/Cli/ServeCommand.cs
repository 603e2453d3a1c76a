using AgentOperator.Gateway.Hosting;

namespace AgentOperator.Gateway.Cli;

/// <summary>
/// <c>serve --bundle FILE --port N --metrics-port M --audit FILE [--secrets DIR] [--tokens DIR] [--otlp URL]</c>:
/// the gateway outside Kubernetes, enforcing a bundle file (reloaded when it changes) until SIGTERM/Ctrl-C.
/// </summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(CommandArguments args, TextWriter output, CancellationToken cancellationToken)
    {
        var defaults = new GatewayOptions();
        var options = new GatewayOptions
        {
            BundlePath = args.Required("bundle"),
            AgentPort = args.Number("port", 8080),
            MetricsPort = args.Number("metrics-port", 9090),
            AuditPath = args.Optional("audit") ?? defaults.AuditPath,
            SecretsRoot = args.Optional("secrets") ?? defaults.SecretsRoot,
            TokensRoot = args.Optional("tokens") ?? defaults.TokensRoot,
            OtlpEndpoint = args.Optional("otlp") is { } otlp ? new Uri(otlp) : null,
        };
        await using var gateway = await GatewayHost.StartAsync(options, cancellationToken: cancellationToken);
        await output.WriteLineAsync($"agent API {gateway.AgentAddress} · metrics {gateway.MetricsAddress} · audit {options.AuditPath}");
        await gateway.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
