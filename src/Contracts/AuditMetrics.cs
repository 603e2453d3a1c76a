namespace AgentOperator.Contracts;

/// <summary>
/// Metric names of the audit trail: the gateway exports the shipping ones, the collector the store ones; the alerts in
/// config/prometheus read them.
/// </summary>
public static class AuditMetrics
{
    /// <summary>Gateway: records written to the pod's buffer and not yet acknowledged by the collector, labelled workflow, revision.</summary>
    public const string UnshippedRecords = "agent_audit_unshipped_records";

    /// <summary>Gateway: age in seconds of the oldest record not yet acknowledged (0 when none), labelled workflow, revision.</summary>
    public const string OldestUnshippedAge = "agent_audit_oldest_unshipped_age_seconds";

    /// <summary>Collector: records stored (fsynced), labelled namespace, workflow.</summary>
    public const string StoredRecords = "agentoperator_audit_records_stored_total";

    /// <summary>Collector: batches refused, labelled reason (unauthenticated, forbidden, invalid, conflict, store).</summary>
    public const string RefusedBatches = "agentoperator_audit_batches_refused_total";

    /// <summary>Collector: 1 when the last verification of a chain found it tampered, else 0; labelled namespace, workflow, chain.</summary>
    public const string ChainTampered = "agentoperator_audit_chain_tampered";

    /// <summary>Collector: verifications of stored chains run, labelled result (intact, tampered).</summary>
    public const string Verifications = "agentoperator_audit_verifications_total";

    /// <summary>Collector: Unix time at which the last checkpoint pass over every chain completed (its signing key and volume work).</summary>
    public const string LastCheckpointPass = "agentoperator_audit_last_checkpoint_pass_timestamp_seconds";

    /// <summary>Collector: failures to write the store (a full or broken volume).</summary>
    public const string StoreWriteFailures = "agentoperator_audit_store_write_failures_total";

    /// <summary>Collector: 1 while the store's volume is full (the last batch write failed for lack of space, none succeeded since), else 0.</summary>
    public const string StoreFull = "agentoperator_audit_store_full";
}
