namespace AgentOperator.DevCluster.Simulation;

/// <summary>
/// The default runner, like KWOK: service pods (restartPolicy Always) stay Running until deleted;
/// run-to-completion pods finish at once with <paramref name="defaultOutcome"/> (Succeeded unless told),
/// or with the outcome named by the pod annotation <c>devcluster.agentoperator.io/outcome</c>
/// (<c>Succeeded</c> or <c>Failed</c>), which a Job's pod template can carry.
/// </summary>
public sealed class ReadyPodRunner(PodOutcome? defaultOutcome = null) : IPodRunner
{
    /// <summary>The annotation that picks a run-to-completion pod's outcome.</summary>
    public const string OutcomeAnnotation = "devcluster.agentoperator.io/outcome";

    public async Task<PodOutcome?> RunAsync(PodContext pod, CancellationToken ct)
    {
        if (pod.RestartPolicy == "Always")
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            return null;
        }

        return pod.Annotations.GetValueOrDefault(OutcomeAnnotation) switch
        {
            "Failed" => PodOutcome.Failure(1, "simulated failure"),
            "Succeeded" => PodOutcome.Success,
            _ => defaultOutcome ?? PodOutcome.Success,
        };
    }
}
