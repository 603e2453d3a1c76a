using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>How a new revision is shipped while the stable one keeps serving.</summary>
public sealed record RolloutSpec
{
    private const string StrictlyIncreasingWeights =
        "(size(self) <= 1 || self[1].weight > self[0].weight) && (size(self) <= 2 || self[2].weight > self[1].weight) && (size(self) <= 3 || self[3].weight > self[2].weight) && (size(self) <= 4 || self[4].weight > self[3].weight) && (size(self) <= 5 || self[5].weight > self[4].weight) && (size(self) <= 6 || self[6].weight > self[5].weight) && (size(self) <= 7 || self[7].weight > self[6].weight) && (size(self) <= 8 || self[8].weight > self[7].weight) && (size(self) <= 9 || self[9].weight > self[8].weight)";

    /// <summary>Canary steps in order; weights strictly increase and stay at or below 100. Empty means a new revision replaces the stable one at once.</summary>
    [Items(Max = 10)]
    // CEL has no index ranges in every Kubernetes release, so the order check is spelled out for the 10 steps allowed.
    [CelRule(StrictlyIncreasingWeights, Message = "rollout.steps weights must be strictly increasing")]
    public IReadOnlyList<RolloutStep>? Steps { get; init; }

    /// <summary>How traffic is split between stable and canary.</summary>
    public TrafficRouting TrafficRouting { get; init; } = new();

    /// <summary>Metrics checked at every interval while the canary has traffic.</summary>
    public AnalysisSpec? Analysis { get; init; }

    /// <summary>An evaluation Job run against the canary before it gets any traffic.</summary>
    public EvaluationSpec? Evaluation { get; init; }

    /// <summary>Seconds a canary may take to become ready or to pass a step before it is rolled back.</summary>
    [Default(600), Minimum(30), Maximum(86_400)]
    public int ProgressDeadlineSeconds { get; init; } = 600;
}

/// <summary>One canary step.</summary>
public sealed record RolloutStep
{
    /// <summary>Percent of traffic the canary receives during this step.</summary>
    [Required, Minimum(0), Maximum(100)]
    public required int Weight { get; init; }

    /// <summary>Seconds to hold this weight while analysis runs before moving to the next step; omitted means one analysis interval.</summary>
    [Minimum(0), Maximum(604_800)]
    public int? PauseSeconds { get; init; }

    /// <summary>
    /// <c>pause: {}</c> holds this step until a human promotes the canary (annotation agentoperator.io/promote naming
    /// it, or <c>kubectl agents promote</c>), as Argo Rollouts' pause without a duration; analysis keeps running and a
    /// breach still rolls back. With pause set, pauseSeconds is ignored.
    /// </summary>
    public RolloutPause? Pause { get; init; }
}

/// <summary>A step's pause without a duration: it waits for promotion. It has no fields (Argo Rollouts' <c>pause: {}</c>).</summary>
public sealed record RolloutPause;
