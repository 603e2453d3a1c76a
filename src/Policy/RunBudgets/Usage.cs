namespace AgentOperator.Policy.RunBudgets;

/// <summary>An amount of run resources: reserved before a call, or actually used by it.</summary>
/// <param name="Steps">Model turns.</param>
/// <param name="ToolCalls">Tool calls.</param>
/// <param name="Tokens">Prompt plus completion tokens.</param>
/// <param name="CostUsd">Cost in USD.</param>
public readonly record struct Usage(int Steps = 0, int ToolCalls = 0, long Tokens = 0, double CostUsd = 0)
{
    /// <summary>Nothing.</summary>
    public static Usage None => default;

    /// <summary>One tool call.</summary>
    public static Usage OneToolCall => new(ToolCalls: 1);

    /// <summary>Component-wise sum.</summary>
    public static Usage operator +(Usage a, Usage b) =>
        new(a.Steps + b.Steps, a.ToolCalls + b.ToolCalls, a.Tokens + b.Tokens, a.CostUsd + b.CostUsd);

    /// <summary>Component-wise difference.</summary>
    public static Usage operator -(Usage a, Usage b) =>
        new(a.Steps - b.Steps, a.ToolCalls - b.ToolCalls, a.Tokens - b.Tokens, a.CostUsd - b.CostUsd);

    /// <summary>Component-wise sum (CA2225 alternative to +).</summary>
    public static Usage Add(Usage a, Usage b) => a + b;

    /// <summary>Component-wise difference (CA2225 alternative to -).</summary>
    public static Usage Subtract(Usage a, Usage b) => a - b;
}
