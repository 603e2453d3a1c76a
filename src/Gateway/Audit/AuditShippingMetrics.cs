using AgentOperator.Contracts;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Telemetry;
using Prometheus;
using static AgentOperator.Contracts.AgentMetrics.Labels;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// The shipping lag on the gateway's /metrics (<see cref="AuditMetrics.UnshippedRecords"/>, <see cref="AuditMetrics.OldestUnshippedAge"/>),
/// read from the shipper at each scrape: the gateway knows its lag even when the collector cannot be reached.
/// </summary>
public static class AuditShippingMetrics
{
    public static void Register(GatewayMetrics metrics, AuditShipper shipper, PolicyHolder policies)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var factory = Metrics.WithCustomRegistry(metrics.Registry);
        var unshipped = factory.CreateGauge(AuditMetrics.UnshippedRecords, "Audit records in the pod's buffer not yet acknowledged by the audit collector.", Workflow, Revision);
        var age = factory.CreateGauge(AuditMetrics.OldestUnshippedAge, "Age of the oldest audit record not yet acknowledged by the audit collector (0 when none).", Workflow, Revision);
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            if (policies.Current?.Labels is { } labels)
            {
                unshipped.WithLabels(labels.Workflow, labels.Revision).Set(shipper.Unshipped);
                age.WithLabels(labels.Workflow, labels.Revision).Set(shipper.OldestUnshippedAge.TotalSeconds);
            }
        });
    }
}
