namespace AgentOperator.KubectlAgents.Cli;

/// <summary>A failure the user can act on: its message goes to stderr as is, and the command exits 1.</summary>
public sealed class CommandFailureException(string message) : Exception(message);
