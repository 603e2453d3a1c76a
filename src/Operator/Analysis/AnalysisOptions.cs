namespace AgentOperator.Operator.Analysis;

/// <summary>
/// Where analysis queries go when the spec's own address must not be used (dev mode, tests). An override
/// replaces the spec's provider, not only its address: with <see cref="PrometheusAddressOverride"/> every
/// workflow is analysed through that Prometheus; otherwise with <see cref="WebUrlOverride"/> every workflow is
/// analysed through that JSON endpoint. Both null (default): each spec's own provider and address.
/// </summary>
internal sealed record AnalysisOptions
{
    /// <summary>Base address of a Prometheus used instead of the spec's (e.g. a local one scraping in-process gateways). Default null.</summary>
    public Uri? PrometheusAddressOverride { get; init; }

    /// <summary>
    /// URL of a gateway's or an aggregator's <c>/v1/aggregates</c> used instead of the spec's; {{workflow}}, {{revision}} and
    /// {{namespace}} are substituted as in the spec. Ignored when <see cref="PrometheusAddressOverride"/> is set. Default null.
    /// </summary>
    public Uri? WebUrlOverride { get; init; }

    /// <summary>How far back the RunsHealthy condition and status.runs look. Default 5 minutes.</summary>
    public TimeSpan RunHealthWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a workflow's run outcomes are read again (each read is four queries per live revision). Default 30 s.</summary>
    public TimeSpan RunHealthInterval { get; init; } = TimeSpan.FromSeconds(30);
}
