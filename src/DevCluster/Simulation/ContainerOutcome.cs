namespace AgentOperator.DevCluster.Simulation;

/// <summary>How one container of a finished pod ended, as its <c>state.terminated</c> reports it.</summary>
/// <param name="ExitCode">0 for success.</param>
/// <param name="Reason"><c>Completed</c> or <c>Error</c>, as the kubelet says.</param>
/// <param name="Message">The container's termination message (what it wrote to its terminationMessagePath).</param>
public sealed record ContainerOutcome(int ExitCode, string Reason, string Message = "");
