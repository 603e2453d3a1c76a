using AgentOperator.Operator.Runtime.LeaderElection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentOperator.Operator.Runtime.Health;

/// <summary>
/// Liveness: the process answers and the service that runs the workers (and competes for the lease) has not
/// died; if it has, a restart is the cure.
/// </summary>
internal sealed class WorkersAliveHealthCheck(LeaderElectionService workers, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var task = workers.ExecuteTask;
        var dead = task is { IsCompleted: true } && !lifetime.ApplicationStopping.IsCancellationRequested;
        return Task.FromResult(dead
            ? HealthCheckResult.Unhealthy("the controller workers' service stopped", task!.Exception)
            : HealthCheckResult.Healthy(workers.IsLeading ? "leading" : "following"));
    }
}
