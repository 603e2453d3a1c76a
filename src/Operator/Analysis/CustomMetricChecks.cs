using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>Custom metrics: the query with placeholders substituted for the canary, and its CEL success condition over <c>result</c>.</summary>
internal static class CustomMetricChecks
{
    /// <summary>
    /// <paramref name="specProvider"/> is the language the queries are written in. When an override (dev mode's web
    /// fallback) makes another provider answer, those queries cannot be asked: the check is reported as not evaluated
    /// and passes, so the fallback judges the built-in measures alone instead of holding every canary forever.
    /// </summary>
    public static IEnumerable<AnalysisCheck> For(IReadOnlyList<CustomMetric>? metrics, AnalysisProvider specProvider, RevisionScope canary, SuccessConditionCache conditions) =>
        (metrics ?? []).Select(metric => Check(metric, specProvider, canary, conditions));

    private static AnalysisCheck Check(CustomMetric metric, AnalysisProvider specProvider, RevisionScope canary, SuccessConditionCache conditions)
    {
        var name = metric.Name;
        var threshold = metric.SuccessCondition;
        return new AnalysisCheck(name, threshold, async (provider, cancellationToken) =>
        {
            if (provider.Kind != specProvider)
            {
                return new MetricResult
                {
                    Name = name,
                    Threshold = threshold,
                    Verdict = Verdict.Successful,
                    Message = $"{name} was not evaluated: its query is written for {specProvider.ToString().ToLowerInvariant()}, and analysis is using {provider.Kind.ToString().ToLowerInvariant()} instead.",
                };
            }

            var condition = conditions.Get(threshold);
            if (condition.CompileError is { } compileError)
            {
                return MetricResults.Failed(name, null, threshold, $"{name}'s success condition '{threshold}' does not compile: {compileError}");
            }

            var query = QueryPlaceholders.Substitute(metric.Query, canary);
            if (await provider.QueryAsync(query, canary, cancellationToken) is not { } value)
            {
                return MetricResults.Inconclusive(name, null, threshold, $"{name} has no data for revision {canary.Revision}, so there is no verdict against '{threshold}'.");
            }

            var (passed, error) = condition.Evaluate(value);
            var text = $"{name} is {AnalysisNumber.Format(value)} for revision {canary.Revision}";
            return error is not null
                ? MetricResults.Failed(name, value, threshold, $"{text}, and '{threshold}' could not be evaluated: {error}")
                : passed
                    ? MetricResults.Successful(name, value, threshold, $"{text}, satisfying '{threshold}'.")
                    : MetricResults.Failed(name, value, threshold, $"{text}, failing '{threshold}'.");
        });
    }
}
