using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>Picks the metric source of an analysis spec (its provider and address, or an override).</summary>
internal interface IMetricAnalysisProviderFactory
{
    /// <summary>The provider for <paramref name="spec"/>; never null (a spec without connection details gets one that reports itself unavailable).</summary>
    IMetricAnalysisProvider For(AnalysisSpec spec);
}
