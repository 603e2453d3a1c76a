using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// Canary-versus-stable comparisons over the same window: the canary's value must not exceed stable's × maxRatio, and
/// each side needs minSampleSize runs (or tool calls) before there is a verdict.
/// </summary>
/// <remarks>
/// When stable's value is 0 the rule is applied as written: stable × maxRatio is 0, so the canary passes only at 0
/// too. A perfect stable is the baseline the canary is held to; with low-volume traffic, a larger minSampleSize or an
/// absolute threshold beside the relative check keeps one unlucky run from deciding.
/// </remarks>
internal static class RelativeChecks
{
    public static IEnumerable<AnalysisCheck> For(IReadOnlyList<RelativeCheck>? checks, RevisionScope canary, RevisionScope stable) =>
        (checks ?? []).Select(check => Check(check, canary, stable));

    private static AnalysisCheck Check(RelativeCheck check, RevisionScope canary, RevisionScope stable)
    {
        var name = $"{check.Metric.SpecName()}VsStable";
        var measure = check.Metric.ToMeasure();
        var unit = measure.SampleUnit();
        var ratio = AnalysisNumber.Format(check.MaxRatio);
        var threshold = $"<= stable × {ratio}";
        return new AnalysisCheck(name, threshold, async (provider, cancellationToken) =>
        {
            var c = await provider.MeasureAsync(measure, canary, cancellationToken);
            var s = await provider.MeasureAsync(measure, stable, cancellationToken);
            if (c.SampleSize < check.MinSampleSize || s.SampleSize < check.MinSampleSize)
            {
                return MetricResults.Inconclusive(name, c.Value, threshold,
                    $"{name} needs {check.MinSampleSize} {unit} on each side; canary {canary.Revision} has {AnalysisNumber.Format(c.SampleSize)}, stable {stable.Revision} has {AnalysisNumber.Format(s.SampleSize)}.");
            }

            if (c.Value is not { } canaryValue || s.Value is not { } stableValue)
            {
                return MetricResults.Inconclusive(name, c.Value, threshold,
                    $"{name} has no value for {(c.Value is null ? $"canary {canary.Revision}" : $"stable {stable.Revision}")}, so there is no verdict against {threshold}.");
            }

            var bound = stableValue * check.MaxRatio;
            var judged = $"<= {AnalysisNumber.Format(bound)} (stable {AnalysisNumber.Format(stableValue)} × {ratio})";
            var canaryText = $"{name}: canary {canary.Revision} is {AnalysisNumber.Format(canaryValue)} over {AnalysisNumber.Format(c.SampleSize)} {unit}";
            return canaryValue <= bound
                ? MetricResults.Successful(name, canaryValue, judged, $"{canaryText}, within stable {stable.Revision}'s {AnalysisNumber.Format(stableValue)} × {ratio} = {AnalysisNumber.Format(bound)}.")
                : MetricResults.Failed(name, canaryValue, judged, $"{canaryText}, above stable {stable.Revision}'s {AnalysisNumber.Format(stableValue)} × {ratio} = {AnalysisNumber.Format(bound)}{(stableValue == 0 ? " (stable is 0, so any canary value above 0 fails)" : "")}.");
        });
    }
}
