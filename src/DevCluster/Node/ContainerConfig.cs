namespace AgentOperator.DevCluster.Node;

/// <summary>How one run of a container is started: its image (null: not on the node, no process), command line, environment, folder and mounts.</summary>
internal sealed record ContainerConfig(
    NodeImage? Image,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    IReadOnlyList<BindMount> Mounts);
