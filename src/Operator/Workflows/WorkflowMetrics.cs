using System.Collections.Concurrent;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime;
using Prometheus;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// Per-workflow operator metrics, the ones config/prometheus/alerts relies on: rollbacks, inconclusive analysis runs,
/// canary weight and credential expiry. Gauges follow the status the reconciler wrote; a deleted workflow's series go.
/// </summary>
internal sealed class WorkflowMetrics
{
    private readonly Counter _rollbacks;
    private readonly Gauge _inconclusive;
    private readonly Gauge _canaryWeight;
    private readonly Gauge _credentialsExpiry;
    private readonly ConcurrentDictionary<ObjectKey, string> _credentialRevision = new();

    public WorkflowMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _rollbacks = factory.CreateCounter("agentoperator_rollbacks_total", "Canary revisions rolled back (by analysis, evaluation, progress deadline or abort).", "namespace", "workflow");
        _inconclusive = factory.CreateGauge("agentoperator_analysis_inconclusive_runs", "Inconclusive analysis runs in a row of the workflow's canary.", "namespace", "workflow");
        _canaryWeight = factory.CreateGauge("agentoperator_canary_weight", "Percent of traffic on the workflow's canary revision.", "namespace", "workflow");
        _credentialsExpiry = factory.CreateGauge("agentoperator_credentials_expiry_timestamp_seconds", "When the stable revision's projected service-account token expires (Unix seconds).", "namespace", "workflow", "revision");
    }

    public void RolledBack(string @namespace, string workflow) => _rollbacks.WithLabels(@namespace, workflow).Inc();

    /// <summary>Sets the gauges from the workflow's status after a reconcile.</summary>
    public void Observe(AgentWorkflow workflow, int inconclusiveRuns)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var key = ObjectKey.Of(workflow);
        var status = workflow.Status;
        _inconclusive.WithLabels(key.Namespace ?? "", key.Name).Set(inconclusiveRuns);
        _canaryWeight.WithLabels(key.Namespace ?? "", key.Name).Set(status?.CanaryRevision is null ? 0 : status.CanaryWeight ?? 0);

        var revision = status?.StableRevision;
        if (_credentialRevision.TryGetValue(key, out var previous) && previous != revision)
        {
            _credentialsExpiry.RemoveLabelled(key.Namespace ?? "", key.Name, previous);
            _credentialRevision.TryRemove(key, out _);
        }

        if (revision is not null && status?.CredentialsExpireAt is { } expires)
        {
            _credentialsExpiry.WithLabels(key.Namespace ?? "", key.Name, revision).Set(expires.ToUnixTimeSeconds());
            _credentialRevision[key] = revision;
        }
    }

    /// <summary>Drops the gauges of a deleted workflow (the rollback counter stays: Prometheus counters never go back).</summary>
    public void Forget(ObjectKey key)
    {
        _inconclusive.RemoveLabelled(key.Namespace ?? "", key.Name);
        _canaryWeight.RemoveLabelled(key.Namespace ?? "", key.Name);
        if (_credentialRevision.TryRemove(key, out var revision))
        {
            _credentialsExpiry.RemoveLabelled(key.Namespace ?? "", key.Name, revision);
        }
    }
}
