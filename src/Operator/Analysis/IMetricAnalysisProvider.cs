using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// A metric source the analysis reads: Prometheus or an HTTP JSON endpoint. Both methods throw
/// <see cref="AnalysisSourceUnavailableException"/> when the source cannot be reached, times out or answers with an
/// error of its own (the run is inconclusive), and <see cref="AnalysisQueryException"/> when it rejects the query
/// (the metric fails). Neither ever returns null.
/// </summary>
internal interface IMetricAnalysisProvider
{
    /// <summary>The language custom metric queries must be written in for this provider.</summary>
    AnalysisProvider Kind { get; }

    /// <summary>
    /// One built-in measure of one revision. A null <see cref="Measurement.Value"/> means no data (no series,
    /// or 0/0); <see cref="Measurement.SampleSize"/> is the runs or tool calls behind the value, 0 without traffic.
    /// </summary>
    Task<Measurement> MeasureAsync(AgentMeasure measure, RevisionScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// A custom query, placeholders already substituted. Returns null when the query has no data; the value may be
    /// infinite.
    /// </summary>
    Task<double?> QueryAsync(string query, RevisionScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// What the revision's runs did over the scope's window (or since each gateway started, for a source that only has
    /// totals): runs by outcome, refusals by rule, upstream errors by tool, cost. Empty maps when there was no traffic.
    /// </summary>
    Task<RunActivity> RunActivityAsync(RevisionScope scope, CancellationToken cancellationToken);
}
