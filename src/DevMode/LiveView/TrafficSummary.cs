using System.Globalization;

namespace AgentOperator.DevMode.LiveView;

/// <summary>One line for a revision's traffic, e.g. <c>runs success=12 escalated=1 · tool calls allow=36 escalate=1 · 40,312 tokens · $0.41</c>.</summary>
internal static class TrafficSummary
{
    public static string Runs(TrafficRow row) => Counts(row.RunsByOutcome);

    public static string ToolCalls(TrafficRow row) => Counts(row.ToolCallsByDecision);

    public static string Tokens(TrafficRow row) => row.ModelTokens.ToString("N0", CultureInfo.InvariantCulture);

    public static string Cost(TrafficRow row) => "$" + row.CostUsd.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Line(TrafficRow row) =>
        $"{row.Workflow}@{row.Revision} ({row.Gateways} gateways): runs {Runs(row)} · tool calls {ToolCalls(row)} · {Tokens(row)} tokens · {Cost(row)}";

    private static string Counts(IReadOnlyDictionary<string, double> counts) =>
        counts.Count == 0 ? "none" : string.Join(" ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value.ToString("0", CultureInfo.InvariantCulture)}"));
}
