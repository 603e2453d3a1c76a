namespace AgentOperator.Operator.Analysis;

/// <summary>
/// What one revision's runs did, from the gateway's counters: completed runs by outcome, calls refused by the rule that
/// did it, tool calls that ended in an upstream error by tool, calls escalated to a human approval, and model cost.
/// </summary>
/// <param name="RunsByOutcome">Completed runs by outcome (<see cref="Contracts.RunOutcomes"/>).</param>
/// <param name="RefusalsByRule">Calls refused, by rule id (a policy rule, a budget or a built-in rule such as model-role).</param>
/// <param name="ToolErrorsByTool">Tool calls that ended in an upstream error, by tool (<see cref="AnyTool"/> when the source does not say which).</param>
/// <param name="Escalations">Calls escalated to a human approval (<see cref="Contracts.AgentMetrics.Escalations"/>): waiting, not refused.</param>
/// <param name="CostUsd">Model cost in USD.</param>
/// <param name="Windowed">True when the counts cover the scope's window; false when they are totals since each gateway started (the aggregates document).</param>
internal sealed record RunActivity(
    IReadOnlyDictionary<string, double> RunsByOutcome,
    IReadOnlyDictionary<string, double> RefusalsByRule,
    IReadOnlyDictionary<string, double> ToolErrorsByTool,
    double Escalations,
    double CostUsd,
    bool Windowed)
{
    /// <summary>The tool key of upstream errors whose tool the source does not name.</summary>
    public const string AnyTool = "(any tool)";

    public static RunActivity None { get; } = new(new Dictionary<string, double>(), new Dictionary<string, double>(), new Dictionary<string, double>(), 0, 0, true);

    /// <summary>The sum of two revisions' activity (stable and canary).</summary>
    public RunActivity Plus(RunActivity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Sum(RunsByOutcome, other.RunsByOutcome), Sum(RefusalsByRule, other.RefusalsByRule), Sum(ToolErrorsByTool, other.ToolErrorsByTool),
            Escalations + other.Escalations, CostUsd + other.CostUsd, Windowed && other.Windowed);
    }

    private static Dictionary<string, double> Sum(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b)
    {
        var sum = new Dictionary<string, double>(a, StringComparer.Ordinal);
        foreach (var (key, value) in b)
        {
            sum[key] = sum.GetValueOrDefault(key) + value;
        }

        return sum;
    }
}
