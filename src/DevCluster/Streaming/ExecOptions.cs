namespace AgentOperator.DevCluster.Streaming;

/// <summary>What an exec request asks for (PodExecOptions from the query): the command, the container and its streams.</summary>
internal sealed record ExecOptions(IReadOnlyList<string> Command, string Container, bool Stdin, bool Stdout, bool Stderr, bool Tty);
