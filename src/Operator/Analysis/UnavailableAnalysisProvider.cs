using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// The provider of a spec that names a provider without its connection (the CRD's validation normally prevents it):
/// every query reports the source unavailable with the reason, so the run is inconclusive and status says why.
/// </summary>
internal sealed class UnavailableAnalysisProvider(AnalysisProvider kind, string reason) : IMetricAnalysisProvider
{
    public AnalysisProvider Kind => kind;

    public Task<Measurement> MeasureAsync(AgentMeasure measure, RevisionScope scope, CancellationToken cancellationToken) =>
        throw new AnalysisSourceUnavailableException(reason);

    public Task<double?> QueryAsync(string query, RevisionScope scope, CancellationToken cancellationToken) =>
        throw new AnalysisSourceUnavailableException(reason);

    public Task<RunActivity> RunActivityAsync(RevisionScope scope, CancellationToken cancellationToken) =>
        throw new AnalysisSourceUnavailableException(reason);
}
