using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// Runs every check of an analysis spec once against the canary (and stable, for relative checks) and returns the
/// run as status records it. The verdict is the worst of the metrics: any Failed is Failed, else any Inconclusive is
/// Inconclusive, else Successful. When the source is unavailable every metric is Inconclusive with the reason.
/// </summary>
internal sealed partial class CanaryAnalyzer(IMetricAnalysisProviderFactory providers, TimeProvider time, ILogger<CanaryAnalyzer> logger)
{
    private readonly SuccessConditionCache _conditions = new();

    /// <summary>
    /// Runs every check of <paramref name="spec"/> once. <paramref name="evaluationPassRate"/> is the eval Job's pass
    /// ratio (null when none), used for minEvalPassRate when the source has no agent_eval_pass_ratio for the canary.
    /// </summary>
    public async Task<AnalysisRun> AnalyzeAsync(AnalysisSpec spec, RevisionScope canary, RevisionScope stable, double? evaluationPassRate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(stable);
        var provider = providers.For(spec);
        AnalysisCheck[] checks =
        [
            .. ThresholdChecks.For(spec.Thresholds, canary, evaluationPassRate),
            .. RelativeChecks.For(spec.Relative, canary, stable),
            .. CustomMetricChecks.For(spec.Metrics, spec.Provider, canary, _conditions),
        ];

        List<MetricResult> results;
        try
        {
            results = new List<MetricResult>(checks.Length);
            foreach (var check in checks)
            {
                results.Add(await RunAsync(check, provider, cancellationToken));
            }
        }
        catch (AnalysisSourceUnavailableException exception)
        {
            // One unreachable source makes every answer unknown; stop asking rather than wait out a timeout per metric.
            LogSourceUnavailable(canary.Namespace, canary.Workflow, canary.Revision, exception.Message);
            results = [.. checks.Select(check => MetricResults.Inconclusive(check.Name, null, check.Threshold,
                $"{check.Name} was not measured because the metric source is unavailable: {exception.Message}"))];
        }

        var run = new AnalysisRun
        {
            Revision = canary.Revision,
            Time = time.GetUtcNow(),
            Verdict = MetricResults.Overall(results),
            Metrics = results,
        };
        LogRun(canary.Namespace, canary.Workflow, canary.Revision, run.Verdict.Value, results.Count);
        return run;
    }

    private static async Task<MetricResult> RunAsync(AnalysisCheck check, IMetricAnalysisProvider provider, CancellationToken cancellationToken)
    {
        try
        {
            return await check.RunAsync(provider, cancellationToken);
        }
        catch (AnalysisQueryException exception)
        {
            return MetricResults.Failed(check.Name, null, check.Threshold, $"{check.Name} could not be measured: {exception.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis of {Namespace}/{Workflow} revision {Revision}: metric source unavailable: {Reason}")]
    private partial void LogSourceUnavailable(string @namespace, string workflow, string revision, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analysis of {Namespace}/{Workflow} revision {Revision}: {Verdict} ({Metrics} metrics)")]
    private partial void LogRun(string @namespace, string workflow, string revision, Verdict verdict, int metrics);
}
