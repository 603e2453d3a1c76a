using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>Builders shared by the analysis tests: a workflow name of its own per test, scopes, specs and analyzers.</summary>
internal static class AnalysisScenario
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private static readonly HttpClient Http = new();

    public static string NewWorkflow() => $"wf-{Guid.NewGuid():N}"[..15];

    public static RevisionScope Scope(string workflow, string revision) => new("analysis", workflow, revision, Window);

    public static CanaryAnalyzer Analyzer(AnalysisOptions options) =>
        new(new MetricAnalysisProviderFactory(Http, options, TimeProvider.System), TimeProvider.System, NullLogger<CanaryAnalyzer>.Instance);

    public static CanaryAnalyzer Analyzer(Uri prometheus) => Analyzer(new AnalysisOptions { PrometheusAddressOverride = prometheus });

    public static AnalysisSpec PrometheusSpec(Uri address, AgentThresholds? thresholds = null, IReadOnlyList<RelativeCheck>? relative = null, IReadOnlyList<CustomMetric>? metrics = null) => new()
    {
        WindowSeconds = (int)Window.TotalSeconds,
        Provider = AnalysisProvider.Prometheus,
        Prometheus = new PrometheusProvider { Address = address.AbsoluteUri, TimeoutSeconds = 5 },
        Thresholds = thresholds,
        Relative = relative,
        Metrics = metrics,
    };

    public static MetricResult Metric(AnalysisRun run, string name) =>
        Assert.Single(run.Metrics!, m => m.Name == name);

    /// <summary>Every metric of the run, one per line, for assertion messages.</summary>
    public static string Describe(AnalysisRun run) =>
        $"run {run.Verdict}:{Environment.NewLine}" + string.Join(Environment.NewLine, run.Metrics!.Select(m => $"  {m.Name} {m.Verdict} value={m.Value} threshold={m.Threshold}: {m.Message}"));
}
