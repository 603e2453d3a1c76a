namespace AgentOperator.DevCluster.Simulation;

/// <summary>
/// How a pod ended: phase Succeeded (exit code 0) or Failed. <see cref="Containers"/> may say how each regular
/// container ended, by name; a container it does not name ends with the pod's exit code, reason and message.
/// Sidecars (init containers with restartPolicy Always) are stopped after the regular containers and end Completed.
/// </summary>
public sealed record PodOutcome(bool Succeeded, int ExitCode, string Reason, string Message = "")
{
    public static PodOutcome Success { get; } = new(true, 0, "Completed");

    /// <summary>Per-container outcomes of the pod's regular containers, by container name; null: every one ends as the pod.</summary>
    public IReadOnlyDictionary<string, ContainerOutcome>? Containers { get; init; }

    public static PodOutcome Failure(int exitCode = 1, string message = "") => new(false, exitCode, "Error", message);

    /// <summary>How container <paramref name="name"/> ended.</summary>
    public ContainerOutcome For(string name) =>
        Containers?.GetValueOrDefault(name) ?? new ContainerOutcome(ExitCode, Reason, Message);
}
