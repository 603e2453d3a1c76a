namespace AgentOperator.DevCluster.Simulation;

/// <summary>
/// Decides what a pod "does" once the simulated kubelet has started it (it is Running and Ready by then).
/// The default <see cref="ReadyPodRunner"/> keeps service pods running and finishes run-to-completion pods
/// at once; another runner may really run certain images as in-process programs.
/// </summary>
public interface IPodRunner
{
    /// <summary>
    /// Runs the pod. Completes with the pod's terminal outcome, or with null when it runs until
    /// <paramref name="ct"/> is cancelled (the pod was deleted or the server stops).
    /// </summary>
    Task<PodOutcome?> RunAsync(PodContext pod, CancellationToken ct);

    /// <summary>
    /// True for a runner that reports the pod's status itself, as a kubelet does (the DevCluster node): it is handed
    /// the pod once it is bound, before it is Running, and the simulated kubelet writes no status for it.
    /// </summary>
    bool ReportsStatus => false;
}
