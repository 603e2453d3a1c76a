namespace AgentOperator.DevCluster.Node;

/// <summary>How a command run with <see cref="ContainerExec.RunAsync"/> ended: its exit code and its whole output.</summary>
internal sealed record ContainerExecResult(int ExitCode, string Stdout, string Stderr);
