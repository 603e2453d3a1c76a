using AgentOperator.Contracts;
using AgentOperator.Gateway.Hosting;
using k8s;

namespace AgentOperator.Gateway.Cli;

/// <summary>
/// <c>serve</c>, its arguments as <see cref="GatewayServeArguments"/> types them (the operator writes them with the same type).
/// With <c>--bundle-configmap</c> (in a pod) the gateway watches the revision's ConfigMap through the in-cluster
/// configuration, which also lets it create approval requests; with <c>--bundle FILE</c> (outside Kubernetes) it
/// enforces a file, reloaded when it changes, and refuses calls that need approval. It runs until SIGTERM or Ctrl-C.
/// </summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var arguments = GatewayServeArguments.Parse(args);
        var cluster = arguments.BundleConfigMap is null ? null : InClusterConfiguration.Load(Environment.GetEnvironmentVariable);
        var options = Options(arguments, Environment.GetEnvironmentVariable, cluster?.Namespace);
        using var kubernetes = cluster is null ? null : new Kubernetes(cluster.Client);
        await using var gateway = await GatewayHost.StartAsync(options, kubernetes, cancellationToken: cancellationToken);
        var bundle = arguments.BundleConfigMap is { } configMap ? $"ConfigMap {configMap}" : arguments.BundleFile;
        await output.WriteLineAsync($"bundle {bundle} · agent API {gateway.AgentAddress} · metrics {gateway.MetricsAddress} · audit {options.AuditPath}" + (options.AuditCollector is { } collector ? $" shipped to {collector}" : ""));
        await gateway.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>
    /// The options <c>serve</c> runs with: a flag wins, then the container's environment (<see cref="GatewayEnvironment"/>),
    /// then the pod layout. The approvals namespace is <see cref="GatewayEnvironment.Namespace"/>, else
    /// <paramref name="inClusterNamespace"/>, else the bundle's workflow namespace.
    /// </summary>
    public static GatewayOptions Options(GatewayServeArguments arguments, Func<string, string?> environment, string? inClusterNamespace = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;
        var defaults = new GatewayOptions();
        return new GatewayOptions
        {
            BundleConfigMap = arguments.BundleConfigMap,
            BundlePath = arguments.BundleFile,
            AgentPort = arguments.Port,
            MetricsPort = arguments.MetricsPort,
            AuditPath = arguments.AuditFile ?? defaults.AuditPath,
            AuditCollector = arguments.AuditCollector,
            AuditTokenPath = arguments.AuditTokenFile ?? defaults.AuditTokenPath,
            Namespace = Env(GatewayEnvironment.Namespace) ?? inClusterNamespace,
            SecretsRoot = arguments.SecretsDirectory ?? Env(GatewayEnvironment.SecretsDirectory) ?? defaults.SecretsRoot,
            TokensRoot = arguments.TokensDirectory ?? Env(GatewayEnvironment.TokensDirectory) ?? defaults.TokensRoot,
            OtlpEndpoint = arguments.OtlpEndpoint ?? (Uri.TryCreate(Env(GatewayEnvironment.OtlpEndpoint), UriKind.Absolute, out var otlp) ? otlp : null),
            MaxOpenRuns = arguments.MaxOpenRuns,
            RunIdleTimeout = arguments.RunIdleTimeout,
        };
    }
}
