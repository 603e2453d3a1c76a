using System.Text.Json;
using AgentOperator.Contracts;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// The gateway's <c>/v1/aggregates</c> totals (<see cref="GatewayAggregates"/>) of one workflow revision, summed over every entry of that workflow and
/// revision, so the document may come from one gateway or from an aggregator of many.
/// </summary>
internal sealed record RevisionTotals(long Runs, long EscalatedRuns, long SuccessfulRuns, long ToolCalls, long ToolErrors, long PolicyViolations, double CostUsd, double? EvalPassRatio, int EvalEntries)
{
    /// <summary>
    /// Sums the entries of the <see cref="GatewayAggregates"/> document whose workflow and revision match; throws
    /// <see cref="JsonException"/> when the document is not that shape.
    /// </summary>
    public static RevisionTotals From(JsonElement document, string workflow, string revision)
    {
        var aggregates = document.Deserialize<GatewayAggregates>() ?? throw new JsonException("the document is null");
        long runs = 0, escalated = 0, successful = 0, calls = 0, errors = 0, violations = 0;
        double cost = 0, evalSum = 0;
        var evalEntries = 0;
        foreach (var entry in aggregates.Revisions.Where(e => e.Workflow == workflow && e.Revision == revision))
        {
            runs += entry.RunsByOutcome.Values.Sum();
            escalated += entry.RunsByOutcome.GetValueOrDefault(RunOutcomes.Escalated);
            successful += entry.RunsByOutcome.GetValueOrDefault(RunOutcomes.Success);
            calls += entry.ToolCallsByDecision.Values.Sum();
            errors += entry.ToolCallsByDecision.GetValueOrDefault(ToolDecisions.Error);
            violations += entry.ViolationsByRule.Values.Sum();
            cost += entry.CostUsd;
            if (entry.EvalPassRatio is { } ratio)
            {
                evalSum += ratio;
                evalEntries++;
            }
        }

        return new RevisionTotals(runs, escalated, successful, calls, errors, violations, cost, evalEntries == 0 ? null : evalSum / evalEntries, evalEntries);
    }

    /// <summary>
    /// The matching entries' runs by outcome, refusals by rule, upstream errors (by <see cref="RunActivity.AnyTool"/>:
    /// the document does not count them by tool) and escalations, totals since each gateway started.
    /// </summary>
    public static RunActivity ActivityFrom(JsonElement document, string workflow, string revision)
    {
        var aggregates = document.Deserialize<GatewayAggregates>() ?? throw new JsonException("the document is null");
        var activity = RunActivity.None with { Windowed = false };
        foreach (var entry in aggregates.Revisions.Where(e => e.Workflow == workflow && e.Revision == revision))
        {
            var errors = entry.ToolCallsByDecision.GetValueOrDefault(ToolDecisions.Error);
            activity = activity.Plus(new RunActivity(
                entry.RunsByOutcome.ToDictionary(p => p.Key, p => (double)p.Value, StringComparer.Ordinal),
                entry.ViolationsByRule.ToDictionary(p => p.Key, p => (double)p.Value, StringComparer.Ordinal),
                errors == 0 ? new Dictionary<string, double>() : new Dictionary<string, double> { [RunActivity.AnyTool] = errors },
                entry.Escalations,
                entry.CostUsd,
                Windowed: false));
        }

        return activity;
    }

    /// <summary>One built-in measure from these totals, with the same no-data rules as the PromQL.</summary>
    public Measurement Measure(AgentMeasure measure) => measure switch
    {
        AgentMeasure.EvalPassRate => EvalPassRatio is { } ratio ? new Measurement(ratio, EvalEntries) : Measurement.NoData,
        AgentMeasure.EscalationRate => new Measurement(Ratio(EscalatedRuns, Runs), Runs),
        AgentMeasure.PolicyViolations => new Measurement(PolicyViolations, Runs),
        AgentMeasure.PolicyViolationRate => new Measurement(Ratio(PolicyViolations, Runs), Runs),
        AgentMeasure.CostPerSuccessfulTask => new Measurement(Ratio(CostUsd, SuccessfulRuns), Runs),
        AgentMeasure.ToolErrorRate => new Measurement(Ratio(ToolErrors, ToolCalls), ToolCalls),
        _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, "unknown measure"),
    };

    // As in PromQL: 0/0 is no data, x/0 is +Inf (money spent and nothing succeeded).
    private static double? Ratio(double numerator, double denominator) =>
        denominator > 0 ? numerator / denominator : numerator > 0 ? double.PositiveInfinity : null;
}
