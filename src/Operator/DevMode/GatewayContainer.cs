using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Operator.Provisioning;
using k8s;

namespace AgentOperator.Operator.DevMode;

/// <summary>
/// Runs the gateway sidecar image in-process: <c>serve</c> with the container's flags, its files under the pod's
/// folder, the API reached with the pod's projected token, and both ports picked free (many pods share this host),
/// so the agent's loopback URL is rewritten to the port the gateway really got.
/// </summary>
internal static class GatewayContainer
{
    public static async Task<(RunningGateway Gateway, PodGatewayEndpoint Endpoint, int DeclaredPort)> StartAsync(
        ClusterAccess cluster, PodManifest pod, JsonObject container, PodFilesystem files, InProcessPodRunnerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var arguments = ContainerArguments.Parse(container);
        if (arguments.Command is not "serve")
        {
            throw new InvalidOperationException($"the gateway image runs 'serve' in a pod, not '{arguments.Command}'");
        }

        var environment = await ContainerEnvironment.ResolveAsync(cluster.Admin, pod, container, cancellationToken);
        var defaults = new GatewayOptions();
        var gatewayOptions = new GatewayOptions
        {
            BundleConfigMap = arguments.Flag("bundle-configmap") is { } reference ? ParseConfigMap(reference) : null,
            BundlePath = arguments.Flag("bundle") is { } bundle ? files.HostPath(container, bundle) : null,
            AgentPort = 0,
            MetricsPort = 0,
            MetricsBindAddress = "127.0.0.1",
            AuditPath = files.HostPath(container, arguments.Flag("audit") ?? GatewayPodLayout.AuditFile),
            Namespace = environment.GetValueOrDefault("AGENTOPERATOR_NAMESPACE") ?? pod.Namespace,
            SecretsRoot = files.HostPath(container, environment.GetValueOrDefault("AGENTOPERATOR_SECRETS_DIR") ?? defaults.SecretsRoot),
            TokensRoot = files.HostPath(container, environment.GetValueOrDefault("AGENTOPERATOR_TOKENS_DIR") ?? defaults.TokensRoot),
            UpstreamHandlerFactory = options.UpstreamHandlerFactory,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(gatewayOptions.AuditPath)!);

        var declaredPort = int.TryParse(arguments.Flag("port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : 8080;
        var client = InClusterClient(cluster, container, files, options.TimeProvider);
        var gateway = await StartWithRetriesAsync(gatewayOptions, client, options, loggerFactory, cancellationToken);
        var endpoint = new PodGatewayEndpoint(
            pod.Namespace,
            pod.Name,
            environment.GetValueOrDefault("AGENTOPERATOR_WORKFLOW"),
            environment.GetValueOrDefault("AGENTOPERATOR_REVISION"),
            gateway.AgentAddress,
            gateway.MetricsAddress);
        return (gateway, endpoint, declaredPort);
    }

    /// <summary>"namespace/name" or "namespace/name/key".</summary>
    private static ConfigMapReference ParseConfigMap(string reference) => reference.Split('/') switch
    {
        [var ns, var name] => new ConfigMapReference(ns, name),
        [var ns, var name, var key] => new ConfigMapReference(ns, name, key),
        _ => throw new FormatException($"--bundle-configmap takes namespace/name, not '{reference}'"),
    };

    // The in-cluster configuration, read from the projected service-account volume the way the client library reads it in a real pod.
    private static Kubernetes? InClusterClient(ClusterAccess cluster, JsonObject container, PodFilesystem files, TimeProvider time)
    {
        var tokenPath = files.HostPath(container, GatewayPodLayout.KubeApiAccessDirectory + "/token");
        var caPath = files.HostPath(container, GatewayPodLayout.KubeApiAccessDirectory + "/ca.crt");
        if (!File.Exists(tokenPath))
        {
            return null;
        }

        var certificates = new X509Certificate2Collection();
        if (File.Exists(caPath))
        {
            certificates.ImportFromPemFile(caPath);
        }

        return new Kubernetes(new KubernetesClientConfiguration
        {
            Host = cluster.ApiServer.ToString().TrimEnd('/'),
            SslCaCerts = certificates,
            TokenProvider = new ProjectedTokenProvider(tokenPath, time),
        });
    }

    // The operator writes the bundle ConfigMap and the RoleBinding before the Deployment, but a pod may still win the race: retry like a restarting container.
    private static async Task<RunningGateway> StartWithRetriesAsync(GatewayOptions gatewayOptions, Kubernetes? client, InProcessPodRunnerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var deadline = options.TimeProvider.GetUtcNow() + options.GatewayStartTimeout;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await GatewayHost.StartAsync(gatewayOptions, client, options.TimeProvider, loggerFactory, cancellationToken);
            }
            catch (Exception exception) when (exception is InvalidOperationException or k8s.Autorest.HttpOperationException or HttpRequestException
                && !cancellationToken.IsCancellationRequested && options.TimeProvider.GetUtcNow() + delay < deadline)
            {
                await Task.Delay(delay, options.TimeProvider, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }
}
