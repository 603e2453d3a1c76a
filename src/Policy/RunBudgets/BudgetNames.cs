namespace AgentOperator.Policy.RunBudgets;

/// <summary>Names of the run budgets, as written in the spec; used as the rule id of BudgetExceeded decisions.</summary>
public static class BudgetNames
{
    /// <summary>Agent loop iterations (model turns).</summary>
    public const string MaxSteps = "maxSteps";

    /// <summary>Tool calls, whatever their decision.</summary>
    public const string MaxToolCalls = "maxToolCalls";

    /// <summary>Prompt plus completion tokens across models.</summary>
    public const string MaxTokensTotal = "maxTokensTotal";

    /// <summary>Model and tool cost in USD.</summary>
    public const string MaxCostUsd = "maxCostUsd";

    /// <summary>Wall-clock seconds since the run started.</summary>
    public const string MaxWallTimeSeconds = "maxWallTimeSeconds";
}
