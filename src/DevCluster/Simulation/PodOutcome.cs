namespace AgentOperator.DevCluster.Simulation;

/// <summary>How a pod ended: phase Succeeded (exit code 0) or Failed.</summary>
public sealed record PodOutcome(bool Succeeded, int ExitCode, string Reason, string Message = "")
{
    public static PodOutcome Success { get; } = new(true, 0, "Completed");

    public static PodOutcome Failure(int exitCode = 1, string message = "") => new(false, exitCode, "Error", message);
}
