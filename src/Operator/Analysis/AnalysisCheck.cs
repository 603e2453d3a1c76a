using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// One check of an analysis run: its name and threshold are known before anything is measured, so a run whose source is
/// unavailable can still list every check as inconclusive.
/// </summary>
internal sealed record AnalysisCheck(string Name, string Threshold, Func<IMetricAnalysisProvider, CancellationToken, Task<MetricResult>> RunAsync);
