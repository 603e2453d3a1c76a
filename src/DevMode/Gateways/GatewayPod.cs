namespace AgentOperator.DevMode.Gateways;

/// <summary>A running agent pod whose gateway sidecar exposes /metrics on the pod's address.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Pod">The pod's name.</param>
/// <param name="Workflow">Its workflow (label agentoperator.io/workflow).</param>
/// <param name="Revision">Its revision (label agentoperator.io/revision), or null.</param>
/// <param name="MetricsAddress">The gateway's metrics address: the pod IP and the port named metrics.</param>
internal sealed record GatewayPod(string Namespace, string Pod, string Workflow, string? Revision, Uri MetricsAddress);
