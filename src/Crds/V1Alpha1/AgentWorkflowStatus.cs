using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>Observed state of an AgentWorkflow. Everything needed to resume a rollout after an operator restart lives here.</summary>
public sealed record AgentWorkflowStatus
{
    /// <summary>The .metadata.generation this status was computed from.</summary>
    public long? ObservedGeneration { get; init; }

    /// <summary>Pending, Progressing, Paused, Ready, RunsFailing, Degraded, RolledBack, Suspended or Invalid.</summary>
    public string? Phase { get; init; }

    /// <summary>Revision (hash of the behaviour-changing spec) serving the stable traffic.</summary>
    public string? StableRevision { get; init; }

    /// <summary>Revision under canary analysis, if any.</summary>
    public string? CanaryRevision { get; init; }

    /// <summary>Percent of traffic on the canary.</summary>
    [Minimum(0), Maximum(100)]
    public int? CanaryWeight { get; init; }

    /// <summary>Index of the rollout step in progress.</summary>
    [Minimum(0)]
    public int? CurrentStep { get; init; }

    /// <summary>When the current step (or the canary, before its first step) started.</summary>
    [Format("date-time")]
    public DateTimeOffset? StepStartedAt { get; init; }

    /// <summary>Paused by annotation or by inconclusive analysis.</summary>
    public bool? Paused { get; init; }

    /// <summary>Failed analysis runs of the current canary.</summary>
    public int? FailedRuns { get; init; }

    /// <summary>Inconclusive analysis runs in a row of the current canary.</summary>
    public int? InconclusiveRuns { get; init; }

    /// <summary>Revision that was rolled back; it is not retried until the spec changes or agentoperator.io/retry is set.</summary>
    public string? FailedRevision { get; init; }

    /// <summary>The last agentoperator.io/retry annotation value acted on; the same value never retries twice.</summary>
    [Length(Max = 253)]
    public string? HandledRetry { get; init; }

    /// <summary>The pre-traffic evaluation of the canary revision.</summary>
    public EvaluationStatus? Evaluation { get; init; }

    /// <summary>
    /// Position in the rollout for people: "2/3" while a canary is at its second of three steps, "3/3" while it scales
    /// up to be promoted, empty without a canary.
    /// </summary>
    [Length(Max = 16)]
    public string? Step { get; init; }

    /// <summary>The reason of the condition that explains the phase (e.g. RunsFailing, SecretMissing, AwaitingPromotion).</summary>
    [Length(Max = 128)]
    public string? Reason { get; init; }

    /// <summary>Whether every write is denied now: spec.killSwitch or the kill-switch annotation.</summary>
    public bool? KillSwitch { get; init; }

    /// <summary>Ready replicas of the stable revision over its desired replicas, e.g. "2/2".</summary>
    [Length(Max = 32)]
    public string? ReadyReplicas { get; init; }

    /// <summary>What the live revisions' runs did recently, from the gateways' metrics (the source canary analysis reads).</summary>
    public RunsSummary? Runs { get; init; }

    /// <summary>Latest observations, in the metav1.Condition shape.</summary>
    [Items(Max = 16)]
    public IReadOnlyList<Condition>? Conditions { get; init; }

    /// <summary>The latest analysis run of the canary.</summary>
    public AnalysisRun? LastAnalysis { get; init; }

    /// <summary>The analysis runs of the current (or last) canary, oldest first: its last 30, for charts of each metric over the rollout.</summary>
    [Items(Max = 30)]
    public IReadOnlyList<AnalysisRun>? AnalysisHistory { get; init; }

    /// <summary>Revisions promoted, rolled back or aborted, newest last (the operator keeps the last 20).</summary>
    [Items(Max = 20)]
    public IReadOnlyList<RevisionHistoryEntry>? History { get; init; }

    /// <summary>When the stable revision's current projected token expires.</summary>
    [Format("date-time")]
    public DateTimeOffset? CredentialsExpireAt { get; init; }

    /// <summary>
    /// The last credential revocation the operator carried out (annotation agentoperator.io/revoke-credentials);
    /// a request id equal to the annotation's value is already handled and is not revoked again.
    /// </summary>
    public CredentialRevocation? LastRevocation { get; init; }
}

/// <summary>The evaluation Job of one canary revision.</summary>
public sealed record EvaluationStatus
{
    /// <summary>The revision evaluated.</summary>
    [Required]
    public required string Revision { get; init; }

    /// <summary>Name of the Job.</summary>
    [Required]
    public required string Job { get; init; }

    /// <summary>Running, Passed or Failed.</summary>
    [Required]
    public required EvaluationPhase Phase { get; init; }

    /// <summary>Pass ratio the Job reported (its termination message), 0 to 1.</summary>
    [Minimum(0), Maximum(1)]
    public double? PassRate { get; init; }

    /// <summary>Why, in one sentence.</summary>
    public string? Message { get; init; }

    /// <summary>When the Job was created.</summary>
    [Format("date-time")]
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the verdict was reached.</summary>
    [Format("date-time")]
    public DateTimeOffset? CompletedAt { get; init; }
}

/// <summary>Phase of a canary's evaluation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EvaluationPhase>))]
public enum EvaluationPhase
{
    [JsonStringEnumMemberName("Running")] Running,
    [JsonStringEnumMemberName("Passed")] Passed,
    [JsonStringEnumMemberName("Failed")] Failed,
}

/// <summary>A handled request to revoke a workflow's credentials.</summary>
public sealed record CredentialRevocation
{
    /// <summary>The value of the agentoperator.io/revoke-credentials annotation that asked for it.</summary>
    [Required, Length(Max = 253)]
    public required string RequestId { get; init; }

    /// <summary>When the revisions' ServiceAccounts were recreated; tokens issued before no longer validate.</summary>
    [Required, Format("date-time")]
    public required DateTimeOffset RevokedAt { get; init; }
}

/// <summary>One analysis run.</summary>
public sealed record AnalysisRun
{
    /// <summary>Revision analysed.</summary>
    public string? Revision { get; init; }

    /// <summary>When the run happened.</summary>
    [Format("date-time")]
    public DateTimeOffset? Time { get; init; }

    /// <summary>Overall verdict: the worst of its metrics.</summary>
    public Verdict? Verdict { get; init; }

    /// <summary>Each metric's value, threshold and verdict.</summary>
    [Items(Max = 40)]
    public IReadOnlyList<MetricResult>? Metrics { get; init; }
}

/// <summary>One metric of an analysis run.</summary>
public sealed record MetricResult
{
    /// <summary>Metric name, e.g. maxEscalationRate or a custom metric's name.</summary>
    [Required]
    public required string Name { get; init; }

    /// <summary>Measured value, as text (NaN or empty when there was no data).</summary>
    public string? Value { get; init; }

    /// <summary>Threshold or condition the value was judged against.</summary>
    public string? Threshold { get; init; }

    /// <summary>Verdict of this metric.</summary>
    [Required]
    public required Verdict Verdict { get; init; }

    /// <summary>Why, in one sentence.</summary>
    public string? Message { get; init; }
}

/// <summary>Outcome of an analysis.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict
{
    [JsonStringEnumMemberName("Successful")] Successful,
    [JsonStringEnumMemberName("Failed")] Failed,
    [JsonStringEnumMemberName("Inconclusive")] Inconclusive,
}

/// <summary>What happened to one revision.</summary>
public sealed record RevisionHistoryEntry
{
    /// <summary>The revision.</summary>
    [Required]
    public required string Revision { get; init; }

    /// <summary>Promoted, RolledBack or Aborted.</summary>
    [Required]
    public required RevisionOutcome Outcome { get; init; }

    /// <summary>Why, e.g. the metric, value and threshold that caused a rollback.</summary>
    public string? Reason { get; init; }

    /// <summary>When.</summary>
    [Required, Format("date-time")]
    public required DateTimeOffset Time { get; init; }
}

/// <summary>Outcome of a revision's rollout.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RevisionOutcome>))]
public enum RevisionOutcome
{
    [JsonStringEnumMemberName("Promoted")] Promoted,
    [JsonStringEnumMemberName("RolledBack")] RolledBack,
    [JsonStringEnumMemberName("Aborted")] Aborted,
}

/// <summary>Runs of the live revisions (stable and canary) over a recent window, from the gateways' counters.</summary>
public sealed record RunsSummary
{
    /// <summary>Seconds the counts cover; 0 when the source only has totals since each gateway started.</summary>
    [Minimum(0)]
    public int WindowSeconds { get; init; }

    /// <summary>Runs completed in the window.</summary>
    [Minimum(0)]
    public long Total { get; init; }

    /// <summary>Runs that completed with outcome success.</summary>
    [Minimum(0)]
    public long Succeeded { get; init; }

    /// <summary>Runs that completed with outcome failed or budget_exceeded.</summary>
    [Minimum(0)]
    public long Failed { get; init; }

    /// <summary>Runs that completed with outcome escalated.</summary>
    [Minimum(0)]
    public long Escalated { get; init; }

    /// <summary>Calls refused by a rule, budget or built-in check, plus tool calls that failed upstream.</summary>
    [Minimum(0)]
    public long RefusedCalls { get; init; }

    /// <summary>Calls escalated to a human approval (an AgentApproval each); they wait, they are not refused.</summary>
    [Minimum(0)]
    public long EscalatedCalls { get; init; }

    /// <summary>The most frequent refusal cause, in one sentence; empty without refusals.</summary>
    [Length(Max = 512)]
    public string? TopReason { get; init; }

    /// <summary>Model cost in USD per successful run in the window, as text (e.g. "0.0123"); empty without a successful run.</summary>
    [Length(Max = 32)]
    public string? CostPerSuccessUsd { get; init; }

    /// <summary>When these counts were read.</summary>
    [Required, Format("date-time")]
    public required DateTimeOffset ObservedAt { get; init; }
}
