using System.Text.Json;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// The gateway's <c>/v1/aggregates</c> totals of one workflow revision, summed over every entry of that workflow and
/// revision, so the document may come from one gateway or from an aggregator of many.
/// </summary>
internal sealed record RevisionTotals(long Runs, long EscalatedRuns, long SuccessfulRuns, long ToolCalls, long ToolErrors, long PolicyViolations, double CostUsd, double? EvalPassRatio, int EvalEntries)
{
    /// <summary>Sums the entries of <c>{"revisions": [...]}</c> whose workflow and revision match.</summary>
    public static RevisionTotals From(JsonElement document, string workflow, string revision)
    {
        if (document.ValueKind != JsonValueKind.Object || !document.TryGetProperty("revisions", out var revisions) || revisions.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("the document has no \"revisions\" array");
        }

        long runs = 0, escalated = 0, successful = 0, calls = 0, errors = 0, violations = 0;
        double cost = 0, evalSum = 0;
        var evalEntries = 0;
        foreach (var entry in revisions.EnumerateArray())
        {
            if (Text(entry, "workflow") != workflow || Text(entry, "revision") != revision)
            {
                continue;
            }

            runs += SumOf(entry, "runsByOutcome");
            escalated += ValueOf(entry, "runsByOutcome", "escalated");
            successful += ValueOf(entry, "runsByOutcome", "success");
            calls += SumOf(entry, "toolCallsByDecision");
            errors += ValueOf(entry, "toolCallsByDecision", "error");
            violations += SumOf(entry, "violationsByRule");
            cost += entry.TryGetProperty("costUsd", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDouble() : 0;
            if (entry.TryGetProperty("evalPassRatio", out var e) && e.ValueKind == JsonValueKind.Number)
            {
                evalSum += e.GetDouble();
                evalEntries++;
            }
        }

        return new RevisionTotals(runs, escalated, successful, calls, errors, violations, cost, evalEntries == 0 ? null : evalSum / evalEntries, evalEntries);
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

    private static string? Text(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long SumOf(JsonElement entry, string map)
    {
        long sum = 0;
        if (entry.TryGetProperty(map, out var counts) && counts.ValueKind == JsonValueKind.Object)
        {
            foreach (var count in counts.EnumerateObject())
            {
                sum += count.Value.ValueKind == JsonValueKind.Number && count.Value.TryGetInt64(out var n) ? n : 0;
            }
        }

        return sum;
    }

    private static long ValueOf(JsonElement entry, string map, string key) =>
        entry.TryGetProperty(map, out var counts) && counts.ValueKind == JsonValueKind.Object &&
        counts.TryGetProperty(key, out var count) && count.ValueKind == JsonValueKind.Number && count.TryGetInt64(out var n) ? n : 0;
}
