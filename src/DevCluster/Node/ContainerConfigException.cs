namespace AgentOperator.DevCluster.Node;

/// <summary>
/// A container cannot be created yet: a referenced Secret, ConfigMap or key is missing, or its securityContext cannot
/// be honoured (the kubelet's <c>CreateContainerConfigError</c>), or its user does not exist in the image (the runtime's
/// <c>CreateContainerError</c>). Retried on the next sync.
/// </summary>
internal sealed class ContainerConfigException(string message, string reason = "CreateContainerConfigError") : Exception(message)
{
    /// <summary>The container's waiting reason while it cannot be created.</summary>
    public string Reason { get; } = reason;
}
