using AgentOperator.Contracts;
using k8s;

namespace AgentOperator.Gateway.Hosting;

/// <summary>
/// The standard in-cluster configuration a pod's gateway talks to the API with: <c>KUBERNETES_SERVICE_HOST</c>/<c>PORT</c>
/// and the token, CA bundle and namespace the operator projects at <see cref="GatewayPodLayout.KubeApiAccessDirectory"/>.
/// The client's own <see cref="KubernetesClientConfiguration.InClusterConfig"/> reads them; its token provider re-reads
/// the token file every minute, so the kubelet's rotation is picked up.
/// </summary>
/// <param name="Client">The client configuration.</param>
/// <param name="Namespace">The pod's namespace from the namespace file, or null when the volume has none.</param>
public sealed record InClusterConfiguration(KubernetesClientConfiguration Client, string? Namespace)
{
    /// <summary>
    /// Loads the configuration; throws <see cref="InClusterConfigurationException"/> with one sentence naming the
    /// first thing that is missing.
    /// </summary>
    public static InClusterConfiguration Load(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var token = Path.Combine(GatewayPodLayout.KubeApiAccessDirectory, "token");
        var ca = Path.Combine(GatewayPodLayout.KubeApiAccessDirectory, "ca.crt");
        var missing =
            string.IsNullOrEmpty(environment(GatewayEnvironment.KubernetesServiceHost)) ? $"{GatewayEnvironment.KubernetesServiceHost} is not set"
            : string.IsNullOrEmpty(environment(GatewayEnvironment.KubernetesServicePort)) ? $"{GatewayEnvironment.KubernetesServicePort} is not set"
            : !File.Exists(token) ? $"{token} does not exist"
            : !File.Exists(ca) ? $"{ca} does not exist"
            : null;
        if (missing is not null)
        {
            throw new InClusterConfigurationException($"serve --bundle-configmap needs the in-cluster configuration: {missing}");
        }

        var client = KubernetesClientConfiguration.InClusterConfig();
        return new InClusterConfiguration(client, string.IsNullOrWhiteSpace(client.Namespace) ? null : client.Namespace.Trim());
    }
}

/// <summary>The gateway runs with a ConfigMap bundle but not inside a pod; the message says what is missing.</summary>
public sealed class InClusterConfigurationException(string message) : Exception(message);
