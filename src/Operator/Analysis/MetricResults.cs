using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>Builds the <see cref="MetricResult"/> of one check with its value as invariant text.</summary>
internal static class MetricResults
{
    public static MetricResult Successful(string name, double value, string threshold, string message) => Of(name, value, threshold, Verdict.Successful, message);

    public static MetricResult Failed(string name, double? value, string threshold, string message) => Of(name, value, threshold, Verdict.Failed, message);

    public static MetricResult Inconclusive(string name, double? value, string threshold, string message) => Of(name, value, threshold, Verdict.Inconclusive, message);

    /// <summary>The worst verdict: any Failed, else any Inconclusive, else Successful (also for a run with no checks).</summary>
    public static Verdict Overall(IEnumerable<MetricResult> results)
    {
        var overall = Verdict.Successful;
        foreach (var result in results)
        {
            if (result.Verdict == Verdict.Failed)
            {
                return Verdict.Failed;
            }

            if (result.Verdict == Verdict.Inconclusive)
            {
                overall = Verdict.Inconclusive;
            }
        }

        return overall;
    }

    private static MetricResult Of(string name, double? value, string threshold, Verdict verdict, string message) => new()
    {
        Name = name,
        Value = value is { } v ? AnalysisNumber.Format(v) : null,
        Threshold = threshold,
        Verdict = verdict,
        Message = message,
    };
}
