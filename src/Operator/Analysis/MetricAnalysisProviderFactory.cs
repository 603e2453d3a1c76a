using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// Builds the provider of a spec: an override from <see cref="AnalysisOptions"/> first, else the spec's own provider.
/// <paramref name="http"/> is shared by every provider and owned by the caller; per-query timeouts come from the spec.
/// </summary>
internal sealed class MetricAnalysisProviderFactory(HttpClient http, AnalysisOptions options, TimeProvider time) : IMetricAnalysisProviderFactory
{
    private const int DefaultTimeoutSeconds = 10;

    public IMetricAnalysisProvider For(AnalysisSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // An override may serve a spec that has no section for it: then the CRD's default timeout applies.
        var prometheusTimeout = TimeSpan.FromSeconds(spec.Prometheus?.TimeoutSeconds ?? DefaultTimeoutSeconds);
        var webTimeout = TimeSpan.FromSeconds(spec.Web?.TimeoutSeconds ?? DefaultTimeoutSeconds);
        if (options.PrometheusAddressOverride is { } prometheus)
        {
            return new PrometheusAnalysisProvider(http, WithTrailingSlash(prometheus), prometheusTimeout, time);
        }

        if (options.WebUrlOverride is { } web)
        {
            return new WebAnalysisProvider(http, web.OriginalString, webTimeout, time);
        }

        return spec.Provider switch
        {
            AnalysisProvider.Prometheus when Uri.TryCreate(spec.Prometheus?.Address, UriKind.Absolute, out var address) =>
                new PrometheusAnalysisProvider(http, WithTrailingSlash(address), prometheusTimeout, time),
            AnalysisProvider.Prometheus => new UnavailableAnalysisProvider(AnalysisProvider.Prometheus, "analysis.prometheus.address is missing or not an absolute URL"),
            AnalysisProvider.Web when !string.IsNullOrWhiteSpace(spec.Web?.Url) => new WebAnalysisProvider(http, spec.Web.Url, webTimeout, time),
            AnalysisProvider.Web => new UnavailableAnalysisProvider(AnalysisProvider.Web, "analysis.web.url is missing"),
            _ => new UnavailableAnalysisProvider(spec.Provider, $"analysis provider {spec.Provider} is not supported"),
        };
    }

    // Relative API paths resolve under the base only when it ends with '/' (a Prometheus behind a path prefix).
    private static Uri WithTrailingSlash(Uri address) =>
        address.AbsolutePath.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
}
