using System.Globalization;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>Whether a Deployment serves its desired replicas, as <c>kubectl rollout status</c> decides it.</summary>
/// <param name="Available">The controller has seen the current spec and every desired replica is updated and available.</param>
/// <param name="DeadlineExceeded">The Deployment's Progressing condition reports ProgressDeadlineExceeded.</param>
/// <param name="Summary">For condition messages, e.g. "2/3 replicas available".</param>
/// <param name="Serving">Some replica is available and the Deployment reports Available, whatever its scaling is doing.</param>
internal sealed record DeploymentAvailability(bool Available, bool DeadlineExceeded, string Summary, bool Serving = false)
{
    public static DeploymentAvailability Of(V1Deployment? deployment)
    {
        if (deployment is null)
        {
            return new(false, false, "the Deployment does not exist yet");
        }

        var desired = deployment.Spec?.Replicas ?? 1;
        var status = deployment.Status;
        var available = status?.AvailableReplicas ?? 0;
        var updated = status?.UpdatedReplicas ?? 0;
        var observed = status?.ObservedGeneration ?? 0;
        var conditions = status?.Conditions ?? [];
        var deadline = conditions.Any(c => c.Type == "Progressing" && c.Status == "False" && c.Reason == "ProgressDeadlineExceeded");
        var summary = string.Create(CultureInfo.InvariantCulture, $"{available}/{desired} replicas available");
        var reportsAvailable = conditions.Any(c => c.Type == "Available" && c.Status == "True");
        var serving = (available > 0 && reportsAvailable) || desired == 0;
        if (observed < (deployment.Metadata.Generation ?? 0))
        {
            return new(false, deadline, summary + " (the Deployment controller has not seen the latest spec yet)", serving);
        }

        var ok = available >= desired && updated >= desired && (desired == 0 || reportsAvailable);
        return new(ok, deadline, summary, serving || ok);
    }
}
