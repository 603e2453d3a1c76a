using System.Globalization;
using System.Net;
using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Analysis;

/// <summary>
/// Instant queries against Prometheus's HTTP API (<c>GET /api/v1/query</c>), each bounded by the spec's timeout.
/// An empty vector and NaN (0/0) are no data; ±Inf is a value.
/// </summary>
internal sealed class PrometheusAnalysisProvider(HttpClient http, Uri address, TimeSpan timeout, TimeProvider time) : IMetricAnalysisProvider
{
    public AnalysisProvider Kind => AnalysisProvider.Prometheus;

    public async Task<Measurement> MeasureAsync(AgentMeasure measure, RevisionScope scope, CancellationToken cancellationToken)
    {
        var query = AgentMetricQueries.For(measure, scope);
        var value = await QueryAsync(query.Value, scope, cancellationToken);
        if (query.SampleSize is null)
        {
            return value is null ? Measurement.NoData : new Measurement(value, 1);
        }

        var sampleSize = await QueryAsync(query.SampleSize, scope, cancellationToken);
        return new Measurement(value, sampleSize is { } size && double.IsFinite(size) ? size : 0);
    }

    public async Task<double?> QueryAsync(string query, RevisionScope scope, CancellationToken cancellationToken)
    {
        var body = await SendAsync(query, cancellationToken);
        return Parse(() => ParseInstantResult(body, query));
    }

    public async Task<RunActivity> RunActivityAsync(RevisionScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var runs = await VectorAsync(AgentMetricQueries.CountBy(AgentMetrics.Runs, AgentMetrics.Labels.Outcome, scope), AgentMetrics.Labels.Outcome, cancellationToken);
        var refusals = await VectorAsync(AgentMetricQueries.CountBy(AgentMetrics.PolicyViolations, AgentMetrics.Labels.Rule, scope), AgentMetrics.Labels.Rule, cancellationToken);
        var errors = await VectorAsync(AgentMetricQueries.CountBy(AgentMetrics.ToolCalls, AgentMetrics.Labels.Tool, scope,
            AgentMetricQueries.Matcher(AgentMetrics.Labels.Decision, ToolDecisions.Error)), AgentMetrics.Labels.Tool, cancellationToken);
        var escalations = await QueryAsync(AgentMetricQueries.Count(AgentMetrics.Escalations, scope), scope, cancellationToken);
        var cost = await QueryAsync(AgentMetricQueries.Count(AgentMetrics.Cost, scope), scope, cancellationToken);
        return new RunActivity(runs, refusals, errors, escalations ?? 0, cost ?? 0, Windowed: true);
    }

    private async Task<Dictionary<string, double>> VectorAsync(string query, string label, CancellationToken cancellationToken)
    {
        var body = await SendAsync(query, cancellationToken);
        return Parse(() => ParseVectorByLabel(body, label));
    }

    /// <summary>An instant vector's samples summed by the value of <paramref name="label"/>; NaN samples are left out.</summary>
    internal static Dictionary<string, double> ParseVectorByLabel(string body, string label)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (!root.TryGetProperty("status", out var status) || status.GetString() != "success")
        {
            throw new AnalysisSourceUnavailableException($"Prometheus answered status {(root.TryGetProperty("status", out var s) ? s.GetString() : "(none)")}: {ErrorOf(body)}");
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var series in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var key = series.GetProperty("metric").TryGetProperty(label, out var name) ? name.GetString() ?? "" : "";
            var value = ParseSampleValue(series.GetProperty("value")[1].GetString());
            if (!double.IsNaN(value))
            {
                values[key] = values.GetValueOrDefault(key) + value;
            }
        }

        return values;
    }

    private T Parse<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new AnalysisSourceUnavailableException($"Prometheus at {address} answered something that is not its API's JSON: {exception.Message}", exception);
        }
    }

    /// <summary>Runs an instant query and returns the answer's body, every failure mapped as the interface says.</summary>
    private async Task<string> SendAsync(string query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var seconds = timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        // Prometheus stops evaluating at its own timeout too, so a slow query does not keep running after we gave up.
        var uri = new Uri(address, $"api/v1/query?query={Uri.EscapeDataString(query)}&timeout={seconds}s");
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseContentRead, linked.Token);
            var body = await response.Content.ReadAsStringAsync(linked.Token);
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
            {
                throw new AnalysisQueryException($"Prometheus rejected the query ({ErrorOf(body)}): {query}");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new AnalysisSourceUnavailableException($"Prometheus at {address} answered {(int)response.StatusCode} {response.ReasonPhrase} ({ErrorOf(body)})");
            }

            return body;
        }
        // Our deadline or the HttpClient's own timeout: either way the source was too slow; only the caller's token means stop.
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AnalysisSourceUnavailableException($"Prometheus at {address} did not answer within {seconds} s");
        }
        catch (HttpRequestException exception)
        {
            throw new AnalysisSourceUnavailableException($"Prometheus at {address} is unreachable: {exception.Message}", exception);
        }
    }

    /// <summary>The single value of an instant query's answer: null for an empty vector or NaN.</summary>
    internal static double? ParseInstantResult(string body, string query)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (!root.TryGetProperty("status", out var status) || status.GetString() != "success")
        {
            throw new AnalysisSourceUnavailableException($"Prometheus answered status {(root.TryGetProperty("status", out var s) ? s.GetString() : "(none)")}: {ErrorOf(body)}");
        }

        var data = root.GetProperty("data");
        var resultType = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result");
        JsonElement sample;
        switch (resultType)
        {
            case "scalar":
                sample = result;
                break;
            case "vector":
                var length = result.GetArrayLength();
                if (length == 0)
                {
                    return null;
                }

                if (length > 1)
                {
                    throw new AnalysisQueryException($"the query returned {length} series where one value is needed; aggregate it, e.g. with sum() or max(): {query}");
                }

                sample = result[0].GetProperty("value");
                break;
            default:
                throw new AnalysisQueryException($"the query returned a {resultType}, not one value; an instant vector or scalar is needed: {query}");
        }

        var value = ParseSampleValue(sample[1].GetString());
        return double.IsNaN(value) ? null : value;
    }

    /// <summary>Prometheus spells sample values as Go does: "NaN", "+Inf", "-Inf" or a float.</summary>
    internal static double ParseSampleValue(string? text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) => value,
        _ => throw new JsonException($"'{text}' is not a sample value"),
    };

    private static string ErrorOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var error) ? error.GetString() ?? "no error text" : "no error text";
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
