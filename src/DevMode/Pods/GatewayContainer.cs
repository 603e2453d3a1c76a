using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Cli;
using AgentOperator.Gateway.Hosting;
using k8s;

namespace AgentOperator.DevMode.Pods;

/// <summary>
/// Runs the gateway sidecar image in-process: <c>serve</c> with the container's flags, parsed and resolved by the
/// gateway's own <see cref="GatewayServeArguments"/> and <see cref="ServeCommand.Options"/>, its files under the pod's
/// folder, the API reached with the pod's projected token, and both ports picked free (many pods share this host),
/// so the agent's loopback URL is rewritten to the port the gateway really got.
/// </summary>
internal static class GatewayContainer
{
    public static async Task<(RunningGateway Gateway, PodGatewayEndpoint Endpoint, int DeclaredPort)> StartAsync(
        ClusterAccess cluster, PodManifest pod, JsonObject container, PodFilesystem files, InProcessPodRunnerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        // The gateway's own parser and option resolution, so a container the gateway would refuse fails here too.
        var arguments = GatewayServeArguments.Parse(ContainerArguments.Raw(container));
        var environment = await ContainerEnvironment.ResolveAsync(cluster.Admin, pod, container, cancellationToken);
        var served = ServeCommand.Options(arguments, environment.GetValueOrDefault, pod.Namespace);

        // Pods share this host: both ports are picked free, the metrics port stays on loopback, and every path the
        // container names is mapped under the pod's folder.
        var gatewayOptions = served with
        {
            BundlePath = served.BundlePath is { } bundle ? files.HostPath(container, bundle) : null,
            AgentPort = 0,
            MetricsPort = 0,
            MetricsBindAddress = "127.0.0.1",
            AuditPath = files.HostPath(container, arguments.AuditFile ?? GatewayPodLayout.AuditFile),
            SecretsRoot = files.HostPath(container, served.SecretsRoot),
            TokensRoot = files.HostPath(container, served.TokensRoot),
            UpstreamHandlerFactory = options.UpstreamHandlerFactory,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(gatewayOptions.AuditPath)!);

        var declaredPort = arguments.Port;
        var client = InClusterClient(cluster, container, files, options.TimeProvider);
        var gateway = await StartWithRetriesAsync(gatewayOptions, client, options, loggerFactory, cancellationToken);
        var endpoint = new PodGatewayEndpoint(
            pod.Namespace,
            pod.Name,
            environment.GetValueOrDefault(GatewayEnvironment.Workflow),
            environment.GetValueOrDefault(GatewayEnvironment.Revision),
            gateway.AgentAddress,
            gateway.MetricsAddress);
        return (gateway, endpoint, declaredPort);
    }

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
