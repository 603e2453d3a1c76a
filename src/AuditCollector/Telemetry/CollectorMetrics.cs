using AgentOperator.Contracts;
using Prometheus;

namespace AgentOperator.AuditCollector.Telemetry;

/// <summary>The collector's metrics (<see cref="AuditMetrics"/>), in a registry of its own.</summary>
public sealed class CollectorMetrics
{
    public CollectorMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        StoredRecords = factory.CreateCounter(AuditMetrics.StoredRecords, "Audit records stored and fsynced.", "namespace", "workflow");
        RefusedBatches = factory.CreateCounter(AuditMetrics.RefusedBatches, "Audit batches refused, by reason.", "reason");
        ChainTampered = factory.CreateGauge(AuditMetrics.ChainTampered, "1 when the last verification of the chain found it tampered.", "namespace", "workflow", "chain");
        Verifications = factory.CreateCounter(AuditMetrics.Verifications, "Verifications of stored chains, by result.", "result");
        LastCheckpointPass = factory.CreateGauge(AuditMetrics.LastCheckpointPass, "Unix time of the last completed checkpoint pass over every chain.");
        StoreWriteFailures = factory.CreateCounter(AuditMetrics.StoreWriteFailures, "Failures to write the audit store's volume.");
        StoreFull = factory.CreateGauge(AuditMetrics.StoreFull, "1 while the audit store's volume is full: the last batch write failed for lack of space and none succeeded since.");
    }

    public CollectorRegistry Registry { get; }

    public Counter StoredRecords { get; }

    public Counter RefusedBatches { get; }

    public Gauge ChainTampered { get; }

    public Counter Verifications { get; }

    public Gauge LastCheckpointPass { get; }

    public Counter StoreWriteFailures { get; }

    public Gauge StoreFull { get; }
}
