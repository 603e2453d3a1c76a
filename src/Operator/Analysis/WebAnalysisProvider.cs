using System.Text.Json;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// Reads an HTTP JSON endpoint: the URL template with {{workflow}}, {{revision}} and {{namespace}} substituted, fetched
/// with GET within the spec's timeout. Built-in measures expect the gateway's <c>/v1/aggregates</c> shape and sum every
/// entry of the workflow and revision (one gateway or an aggregator); custom queries are <see cref="SimpleJsonPath"/>s.
/// </summary>
/// <remarks>
/// The gateway's aggregates are cumulative since each gateway started, not windowed: the scope's window is ignored,
/// and a canary's measures cover its whole life. That is the right reading for a fresh canary revision and a
/// looser one for a long-lived stable revision in relative checks; Prometheus is the windowed source.
/// </remarks>
internal sealed class WebAnalysisProvider(HttpClient http, string urlTemplate, TimeSpan timeout, TimeProvider time) : IMetricAnalysisProvider
{
    public AnalysisProvider Kind => AnalysisProvider.Web;

    public async Task<Measurement> MeasureAsync(AgentMeasure measure, RevisionScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        using var document = await FetchAsync(scope, cancellationToken);
        try
        {
            return RevisionTotals.From(document.RootElement, scope.Workflow, scope.Revision).Measure(measure);
        }
        catch (JsonException exception)
        {
            throw new AnalysisSourceUnavailableException($"{urlTemplate} did not answer the gateway aggregates shape: {exception.Message}", exception);
        }
    }

    public async Task<RunActivity> RunActivityAsync(RevisionScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        using var document = await FetchAsync(scope, cancellationToken);
        try
        {
            return RevisionTotals.ActivityFrom(document.RootElement, scope.Workflow, scope.Revision);
        }
        catch (JsonException exception)
        {
            throw new AnalysisSourceUnavailableException($"{urlTemplate} did not answer the gateway aggregates shape: {exception.Message}", exception);
        }
    }

    public async Task<double?> QueryAsync(string query, RevisionScope scope, CancellationToken cancellationToken)
    {
        // Parse first: a path that does not parse is the spec's defect whether or not the endpoint answers.
        var path = SimpleJsonPath.Parse(query);
        using var document = await FetchAsync(scope, cancellationToken);
        if (path.Select(document.RootElement) is not { } selected || selected.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return selected.ValueKind switch
        {
            JsonValueKind.Number => selected.GetDouble(),
            // Accept numbers sent as text too, the way Prometheus itself spells them (including NaN and +Inf).
            JsonValueKind.String => NumberFromText(path, selected.GetString()),
            _ => throw new AnalysisQueryException($"{path.Text} selects a JSON {selected.ValueKind.ToString().ToLowerInvariant()}, not a number"),
        };
    }

    private static double? NumberFromText(SimpleJsonPath path, string? text)
    {
        try
        {
            var value = PrometheusAnalysisProvider.ParseSampleValue(text);
            return double.IsNaN(value) ? null : value;
        }
        catch (JsonException)
        {
            throw new AnalysisQueryException($"{path.Text} selects the text '{text}', not a number");
        }
    }

    // A URL that does not parse can only be fixed in the spec; until then nothing can be measured, which is inconclusive.
    private Uri UrlFor(RevisionScope scope) =>
        Uri.TryCreate(QueryPlaceholders.SubstituteInUrl(urlTemplate, scope), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new AnalysisSourceUnavailableException($"the web analysis URL '{urlTemplate}' is not an absolute http(s) URL");

    private async Task<JsonDocument> FetchAsync(RevisionScope scope, CancellationToken cancellationToken)
    {
        var url = UrlFor(scope);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead, linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new AnalysisSourceUnavailableException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(linked.Token);
            return await JsonDocument.ParseAsync(body, cancellationToken: linked.Token);
        }
        // Our deadline or the HttpClient's own timeout: either way the source was too slow; only the caller's token means stop.
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AnalysisSourceUnavailableException($"{url} did not answer within {timeout.TotalSeconds} s");
        }
        catch (HttpRequestException exception)
        {
            throw new AnalysisSourceUnavailableException($"{url} is unreachable: {exception.Message}", exception);
        }
        catch (JsonException exception)
        {
            throw new AnalysisSourceUnavailableException($"{url} did not answer JSON: {exception.Message}", exception);
        }
    }
}
