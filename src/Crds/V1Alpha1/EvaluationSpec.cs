using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>
/// An evaluation Job run against the canary before any traffic. It writes its pass ratio (0 to 1) as its
/// termination message; below minPassRate the canary never gets traffic.
/// </summary>
public sealed record EvaluationSpec
{
    /// <summary>Container image of the eval suite.</summary>
    [Required, Length(Min = 1, Max = 512)]
    public required string Image { get; init; }

    /// <summary>Entrypoint override.</summary>
    [Items(Max = 32)]
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Arguments to the entrypoint.</summary>
    [Items(Max = 64)]
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Lowest acceptable pass ratio, 0 to 1.</summary>
    [Required, Minimum(0), Maximum(1)]
    public required double MinPassRate { get; init; }

    /// <summary>Seconds before the Job counts as failed.</summary>
    [Default(600), Minimum(10), Maximum(86_400)]
    public int TimeoutSeconds { get; init; } = 600;
}
