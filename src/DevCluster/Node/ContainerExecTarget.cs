namespace AgentOperator.DevCluster.Node;

/// <summary>
/// A running container as <see cref="ContainerExec"/> enters it: the PID of its process (whose mount namespace holds its
/// volumes, image files and <c>/dev</c>), the user its processes run as, the environment and working directory of its
/// spec (as runc exec takes them from the container's config, not from the running process), and the path of the pod's
/// network namespace (e.g. <c>/run/netns/NAME</c>), or null while pods share the node's network.
/// </summary>
internal sealed record ContainerExecTarget(
    int Pid,
    ContainerIdentity Identity,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    string? NetworkNamespace = null);
