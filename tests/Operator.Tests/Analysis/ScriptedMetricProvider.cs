using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>
/// A provider answering from a table, for the verdict rules that need no real source (the source's own behaviour is
/// tested against real Prometheus and real gateways). Missing entries are no data.
/// </summary>
internal sealed class ScriptedMetricProvider(AnalysisProvider kind = AnalysisProvider.Prometheus) : IMetricAnalysisProvider, IMetricAnalysisProviderFactory
{
    public Dictionary<(AgentMeasure, string Revision), Measurement> Measures { get; } = [];

    public Dictionary<string, double> Queries { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, every call throws it.</summary>
    public Exception? Failure { get; set; }

    public int Calls { get; private set; }

    public AnalysisProvider Kind => kind;

    public IMetricAnalysisProvider For(AnalysisSpec spec) => this;

    public Task<Measurement> MeasureAsync(AgentMeasure measure, RevisionScope scope, CancellationToken cancellationToken)
    {
        Calls++;
        return Failure is not null ? Task.FromException<Measurement>(Failure) : Task.FromResult(Measures.GetValueOrDefault((measure, scope.Revision), Measurement.NoData));
    }

    public Task<double?> QueryAsync(string query, RevisionScope scope, CancellationToken cancellationToken)
    {
        Calls++;
        return Failure is not null ? Task.FromException<double?>(Failure) : Task.FromResult(Queries.TryGetValue(query, out var value) ? value : (double?)null);
    }

    /// <summary>Run activity by revision; a missing revision had no traffic.</summary>
    public Dictionary<string, RunActivity> Activity { get; } = new(StringComparer.Ordinal);

    public Task<RunActivity> RunActivityAsync(RevisionScope scope, CancellationToken cancellationToken)
    {
        Calls++;
        return Failure is not null ? Task.FromException<RunActivity>(Failure) : Task.FromResult(Activity.GetValueOrDefault(scope.Revision, RunActivity.None));
    }
}
