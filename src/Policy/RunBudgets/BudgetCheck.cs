using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.RunBudgets;

/// <summary>Which budget, if any, a total usage would exceed.</summary>
public static class BudgetCheck
{
    /// <summary>The name of the first budget <paramref name="total"/> exceeds, or null when it fits all.</summary>
    public static string? FirstExceeded(Budgets limits, Usage total, double elapsedSeconds)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.MaxWallTimeSeconds is { } wall && elapsedSeconds >= wall)
        {
            return BudgetNames.MaxWallTimeSeconds;
        }

        if (limits.MaxSteps is { } steps && total.Steps > steps)
        {
            return BudgetNames.MaxSteps;
        }

        if (limits.MaxToolCalls is { } calls && total.ToolCalls > calls)
        {
            return BudgetNames.MaxToolCalls;
        }

        if (limits.MaxTokensTotal is { } tokens && total.Tokens > tokens)
        {
            return BudgetNames.MaxTokensTotal;
        }

        // A tiny tolerance so that summing prices in floating point does not refuse an exact fit.
        if (limits.MaxCostUsd is { } cost && total.CostUsd > cost + 1e-9)
        {
            return BudgetNames.MaxCostUsd;
        }

        return null;
    }

    /// <summary>One human sentence for a budget that was exceeded.</summary>
    public static string Describe(string budgetName, Budgets limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return budgetName switch
        {
            BudgetNames.MaxSteps => $"The run has used its budget of {limits.MaxSteps} steps (maxSteps) and is terminated.",
            BudgetNames.MaxToolCalls => $"The run has used its budget of {limits.MaxToolCalls} tool calls (maxToolCalls) and is terminated.",
            BudgetNames.MaxTokensTotal => $"The run has used its budget of {limits.MaxTokensTotal} tokens (maxTokensTotal) and is terminated.",
            BudgetNames.MaxCostUsd => $"The run has used its budget of {limits.MaxCostUsd} USD (maxCostUsd) and is terminated.",
            BudgetNames.MaxWallTimeSeconds => $"The run has exceeded its wall time of {limits.MaxWallTimeSeconds} seconds (maxWallTimeSeconds) and is terminated.",
            _ => $"The run exceeded its {budgetName} budget and is terminated.",
        };
    }
}
