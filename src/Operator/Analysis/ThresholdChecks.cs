using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>The built-in absolute thresholds on the canary revision.</summary>
internal static class ThresholdChecks
{
    /// <summary>
    /// One check per threshold set in <paramref name="thresholds"/>. <paramref name="evaluationPassRate"/> (the eval
    /// Job's pass ratio) stands in for minEvalPassRate when the source has no agent_eval_pass_ratio for the canary.
    /// </summary>
    public static IEnumerable<AnalysisCheck> For(AgentThresholds? thresholds, RevisionScope canary, double? evaluationPassRate)
    {
        if (thresholds is null)
        {
            yield break;
        }

        if (thresholds.MinEvalPassRate is { } minEval)
        {
            yield return Check("minEvalPassRate", AgentMeasure.EvalPassRate, minEval, atLeast: true, canary, evaluationPassRate);
        }

        if (thresholds.MaxEscalationRate is { } maxEscalation)
        {
            yield return Check("maxEscalationRate", AgentMeasure.EscalationRate, maxEscalation, atLeast: false, canary, null);
        }

        if (thresholds.MaxPolicyViolations is { } maxViolations)
        {
            yield return Check("maxPolicyViolations", AgentMeasure.PolicyViolations, maxViolations, atLeast: false, canary, null);
        }

        if (thresholds.MaxCostPerSuccessfulTaskUsd is { } maxCost)
        {
            yield return Check("maxCostPerSuccessfulTaskUsd", AgentMeasure.CostPerSuccessfulTask, maxCost, atLeast: false, canary, null);
        }

        if (thresholds.MaxToolErrorRate is { } maxToolErrors)
        {
            yield return Check("maxToolErrorRate", AgentMeasure.ToolErrorRate, maxToolErrors, atLeast: false, canary, null);
        }
    }

    private static AnalysisCheck Check(string name, AgentMeasure measure, double limit, bool atLeast, RevisionScope canary, double? fallback)
    {
        var threshold = $"{(atLeast ? ">=" : "<=")} {AnalysisNumber.Format(limit)}";
        return new AnalysisCheck(name, threshold, async (provider, cancellationToken) =>
        {
            var measured = await provider.MeasureAsync(measure, canary, cancellationToken);
            // A ratio gauge has no count behind it to report, only where it came from.
            var source = measure == AgentMeasure.EvalPassRate ? "from agent_eval_pass_ratio" : $"over {AnalysisNumber.Format(measured.SampleSize)} {measure.SampleUnit()}";
            if (measured.Value is null && fallback is { } evaluation)
            {
                measured = new Measurement(evaluation, 1);
                source = "from the eval Job";
            }

            if (measured.SampleSize <= 0)
            {
                return MetricResults.Inconclusive(name, measured.Value, threshold,
                    $"{name} has no {measure.SampleUnit()} of revision {canary.Revision} to judge yet, so there is no verdict against {threshold}.");
            }

            if (measured.Value is not { } value)
            {
                return MetricResults.Inconclusive(name, null, threshold,
                    $"{name} has no value for revision {canary.Revision} ({source}), so there is no verdict against {threshold}.");
            }

            return (atLeast ? value >= limit : value <= limit)
                ? MetricResults.Successful(name, value, threshold, $"{name} is {AnalysisNumber.Format(value)} {source} of revision {canary.Revision}, within {threshold}.")
                : MetricResults.Failed(name, value, threshold, $"{name} is {AnalysisNumber.Format(value)} {source} of revision {canary.Revision}, breaching {threshold}.");
        });
    }
}
