using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// Requests a token for the pod's ServiceAccount (audience null: the API server's), bound to the pod, as the kubelet's
/// TokenRequest does; throws <see cref="ContainerConfigException"/> when the ServiceAccount does not exist.
/// </summary>
internal delegate ServiceAccountToken TokenSource(JsonObject pod, string? audience, long expirationSeconds);
