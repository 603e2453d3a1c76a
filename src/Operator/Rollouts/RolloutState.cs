using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Rollouts;

/// <summary>
/// The rollout's part of status: everything needed to resume after an operator restart. The planner reads one and
/// returns the next; the reconciler writes it back into status.
/// </summary>
internal sealed record RolloutState
{
    public string? Stable { get; init; }

    /// <summary>Revision under canary; null when none runs (none yet, promoted, or rolled back).</summary>
    public string? Canary { get; init; }

    public int? Weight { get; init; }

    /// <summary>Index of the step in progress; equal to the number of steps while the canary scales up to be promoted.</summary>
    public int? Step { get; init; }

    public DateTimeOffset? StepStartedAt { get; init; }

    public bool Paused { get; init; }

    public int FailedRuns { get; init; }

    public int InconclusiveRuns { get; init; }

    public string? FailedRevision { get; init; }

    public string? HandledRetry { get; init; }

    public EvaluationStatus? Evaluation { get; init; }

    public AnalysisRun? LastAnalysis { get; init; }

    /// <summary>The canary's analysis runs, oldest first, at most <see cref="AnalysisHistoryLimit"/>.</summary>
    public IReadOnlyList<AnalysisRun>? AnalysisHistory { get; init; }

    /// <summary>How many analysis runs status keeps (the CRD's bound on <c>status.analysisHistory</c>).</summary>
    public const int AnalysisHistoryLimit = 30;

    public static RolloutState From(AgentWorkflowStatus? status) => status is null ? new() : new()
    {
        Stable = status.StableRevision,
        Canary = status.CanaryRevision,
        Weight = status.CanaryWeight,
        Step = status.CurrentStep,
        StepStartedAt = status.StepStartedAt,
        Paused = status.Paused ?? false,
        FailedRuns = status.FailedRuns ?? 0,
        InconclusiveRuns = status.InconclusiveRuns ?? 0,
        FailedRevision = status.FailedRevision,
        HandledRetry = status.HandledRetry,
        Evaluation = status.Evaluation,
        LastAnalysis = status.LastAnalysis,
        AnalysisHistory = status.AnalysisHistory,
    };

    /// <summary>Writes the rollout fields into <paramref name="status"/>; counters and flags of no canary are omitted.</summary>
    public AgentWorkflowStatus ApplyTo(AgentWorkflowStatus status) => status with
    {
        StableRevision = Stable,
        CanaryRevision = Canary,
        CanaryWeight = Canary is null ? null : Weight,
        CurrentStep = Canary is null ? null : Step,
        StepStartedAt = Canary is null ? null : StepStartedAt,
        Paused = Paused ? true : null,
        FailedRuns = Canary is null || FailedRuns == 0 ? null : FailedRuns,
        InconclusiveRuns = Canary is null || InconclusiveRuns == 0 ? null : InconclusiveRuns,
        FailedRevision = FailedRevision,
        HandledRetry = HandledRetry,
        Evaluation = Evaluation,
        LastAnalysis = LastAnalysis,
        AnalysisHistory = AnalysisHistory,
    };

    /// <summary>A fresh canary of <paramref name="revision"/> at weight 0, before evaluation and the first step.</summary>
    public RolloutState StartCanary(string revision, DateTimeOffset now) => this with
    {
        Canary = revision,
        Weight = 0,
        Step = 0,
        StepStartedAt = now,
        Paused = false,
        FailedRuns = 0,
        InconclusiveRuns = 0,
        Evaluation = null,
        LastAnalysis = null,
        AnalysisHistory = null,
    };

    /// <summary>Records <paramref name="run"/> as the last analysis and appends it to the history, dropping the oldest beyond the limit.</summary>
    public RolloutState WithAnalysis(AnalysisRun run) => this with
    {
        LastAnalysis = run,
        AnalysisHistory = [.. (AnalysisHistory ?? []).Append(run).TakeLast(AnalysisHistoryLimit)],
    };

    /// <summary>No canary any more (promoted, rolled back, aborted or superseded); the last analysis and its history stay for the record.</summary>
    public RolloutState EndCanary() => this with
    {
        Canary = null,
        Weight = null,
        Step = null,
        StepStartedAt = null,
        Paused = false,
        FailedRuns = 0,
        InconclusiveRuns = 0,
    };
}
