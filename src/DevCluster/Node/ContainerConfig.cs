namespace AgentOperator.DevCluster.Node;

/// <summary>
/// How one run of a container is started: its image (null: not on the node, no process), command line, environment and
/// sandbox (mounts, working directory, user; null without an image).
/// </summary>
internal sealed record ContainerConfig(
    NodeImage? Image,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    ContainerSandbox? Sandbox);
