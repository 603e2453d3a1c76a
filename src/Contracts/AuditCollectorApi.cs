namespace AgentOperator.Contracts;

/// <summary>
/// The audit collector's HTTP API (version v1), the one home of its paths, audience and limits: the gateway's shipper
/// and <c>verify</c> call it, the collector serves it. Gateways authenticate with their projected ServiceAccount token
/// for <see cref="Audience"/>; the collector learns who they are from a TokenReview, never from the request.
/// </summary>
public static class AuditCollectorApi
{
    /// <summary>The audience of the token a gateway presents to the collector (and only to it).</summary>
    public const string Audience = "agentoperator.io/audit";

    /// <summary>POST an <see cref="AuditBatch"/> of the caller's chain; answers <see cref="AuditAcknowledgement"/> once fsynced.</summary>
    public const string BatchesPath = "/v1/audit/batches";

    /// <summary>POST the caller's <see cref="AuditHead"/> (its local chain head); GET (no body) answers the caller's durable <see cref="AuditAcknowledgement"/>.</summary>
    public const string HeadPath = "/v1/audit/head";

    /// <summary>GET the chains of a workflow: <c>/v1/audit/namespaces/{namespace}/workflows/{workflow}/chains</c>.</summary>
    public static string ChainsPath(string @namespace, string workflow) => $"/v1/audit/namespaces/{Uri.EscapeDataString(@namespace)}/workflows/{Uri.EscapeDataString(workflow)}/chains";

    /// <summary>GET one file of a chain (a segment, checkpoints, expiries) as stored: <c>{chains path}/{pod}/{file}</c>.</summary>
    public static string ChainFilePath(string @namespace, string workflow, string pod, string file) =>
        $"{ChainsPath(@namespace, workflow)}/{Uri.EscapeDataString(pod)}/{Uri.EscapeDataString(file)}";

    /// <summary>GET one run of a workflow: <c>{runs path}/{runId}</c>.</summary>
    public static string RunPath(string @namespace, string workflow, string runId) => $"{RunsPath(@namespace, workflow)}/{Uri.EscapeDataString(runId)}";

    /// <summary>GET the PEM of the public key checkpoints are signed with.</summary>
    public const string PublicKeyPath = "/v1/audit/checkpoint-key";

    /// <summary>GET run summaries of a workflow: <c>/v1/namespaces/{namespace}/workflows/{workflow}/runs?since=&amp;until=</c>.</summary>
    public static string RunsPath(string @namespace, string workflow) => $"/v1/namespaces/{Uri.EscapeDataString(@namespace)}/workflows/{Uri.EscapeDataString(workflow)}/runs";

    /// <summary>Most records in one batch.</summary>
    public const int MaxBatchRecords = 2000;

    /// <summary>Largest batch body, in bytes.</summary>
    public const int MaxBatchBytes = 4 * 1024 * 1024;

    /// <summary>Longest time between two head reports of a gateway.</summary>
    public static readonly TimeSpan HeadInterval = TimeSpan.FromSeconds(5);

    /// <summary>Files of a chain directory in the store.</summary>
    public static class Files
    {
        /// <summary>Segment files: <c>segment-{first sequence, 12 digits}.jsonl</c>, sealed lines exactly as the gateway wrote them.</summary>
        public const string SegmentPrefix = "segment-";

        /// <summary>Suffix of segment files.</summary>
        public const string SegmentSuffix = ".jsonl";

        /// <summary>Signed checkpoints of the chain head, one JSON line per interval in which the chain moved.</summary>
        public const string Checkpoints = "checkpoints.jsonl";

        /// <summary>Signed records of segments removed by retention.</summary>
        public const string Expiries = "expiries.jsonl";

        /// <summary>Who the chain belongs to (namespace, workflow, revision, pod), written when the chain is created.</summary>
        public const string Identity = "chain.json";

        /// <summary>The segment file name starting at <paramref name="firstSequence"/>.</summary>
        public static string Segment(long firstSequence) => $"{SegmentPrefix}{firstSequence:D12}{SegmentSuffix}";
    }
}
