namespace AgentOperator.DevCluster.Node;

/// <summary>A host networking command failed (a pod's sandbox, the node's bridge or the Service rules could not be set up).</summary>
internal sealed class NetworkSetupException(string message) : Exception(message);
