namespace AgentOperator.Operator.Rollouts;

/// <summary>Where a revision that differs from the stable one stands after a decision.</summary>
internal enum CanaryStage
{
    /// <summary>The eval Job runs against the canary; it has no traffic.</summary>
    Evaluating,

    /// <summary>A step's weight is applied and analysis runs.</summary>
    Stepping,

    /// <summary>Held at its step: by annotation or by inconclusive analysis.</summary>
    Paused,

    /// <summary>At a <c>pause: {}</c> step: held until the promote annotation names the canary; analysis still runs.</summary>
    AwaitingPromotion,

    /// <summary>Every step passed: the canary scales to full size and becomes stable once available.</summary>
    Promoting,

    /// <summary>Became the stable revision in this decision.</summary>
    Promoted,

    /// <summary>Rolled back (now or earlier) and not retried: weight 0, scaled to zero.</summary>
    RolledBack,
}
