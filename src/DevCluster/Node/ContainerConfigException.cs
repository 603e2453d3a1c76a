namespace AgentOperator.DevCluster.Node;

/// <summary>
/// A container cannot be created yet (a referenced Secret, ConfigMap or key is missing): the kubelet's
/// <c>CreateContainerConfigError</c>, retried on the next sync.
/// </summary>
internal sealed class ContainerConfigException(string message) : Exception(message);
