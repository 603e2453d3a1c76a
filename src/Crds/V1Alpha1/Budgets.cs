using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>Hard limits of one run. At least one must be set.</summary>
[CelRule("has(self.maxSteps) || has(self.maxToolCalls) || has(self.maxTokensTotal) || has(self.maxCostUsd) || has(self.maxWallTimeSeconds)",
    Message = "budgets must set at least one of maxSteps, maxToolCalls, maxTokensTotal, maxCostUsd, maxWallTimeSeconds", Reason = "FieldValueRequired")]
[CelRule("!has(self.maxCostUsd) || self.maxCostUsd > 0.0", Message = "maxCostUsd must be a positive amount in USD when set", FieldPath = ".maxCostUsd")]
public sealed record Budgets
{
    /// <summary>Agent loop iterations (model turns) per run.</summary>
    [Minimum(1), Maximum(10_000)]
    public int? MaxSteps { get; init; }

    /// <summary>Tool calls per run, whatever their decision.</summary>
    [Minimum(1), Maximum(10_000)]
    public int? MaxToolCalls { get; init; }

    /// <summary>Prompt plus completion tokens per run, across all models.</summary>
    [Minimum(1), Maximum(100_000_000)]
    public long? MaxTokensTotal { get; init; }

    /// <summary>Model and tool cost per run in USD.</summary>
    public double? MaxCostUsd { get; init; }

    /// <summary>Wall-clock seconds from run start to completion.</summary>
    [Minimum(1), Maximum(86_400)]
    public int? MaxWallTimeSeconds { get; init; }
}
