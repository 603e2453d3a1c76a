using AgentOperator.Operator.Runtime.Informers;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentOperator.Operator.Runtime.Health;

/// <summary>Readiness: ready once every informer has listed once (its cache reflects the cluster).</summary>
internal sealed class CachesSyncedHealthCheck(SharedInformerFactory informers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pending = informers.Informers.Where(i => !i.HasSynced).Select(i => i.Kind.ToString()).ToList();
        return Task.FromResult(pending.Count == 0
            ? HealthCheckResult.Healthy($"{informers.Informers.Count} informers synced")
            : HealthCheckResult.Unhealthy($"waiting for the first list of: {string.Join(", ", pending)}"));
    }
}
