namespace AgentOperator.DevCluster.Node;

/// <summary>What a container is in its pod: an ordinary init container, a native sidecar (init container with restartPolicy Always) or a regular container.</summary>
internal enum ContainerKind
{
    Init,
    Sidecar,
    Regular,
}
