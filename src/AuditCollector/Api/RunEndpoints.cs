using System.Globalization;
using AgentOperator.AuditCollector.Identity;
using AgentOperator.AuditCollector.Runs;
using AgentOperator.AuditCollector.Store;
using AgentOperator.AuditCollector.Telemetry;
using AgentOperator.Contracts;

namespace AgentOperator.AuditCollector.Api;

/// <summary>
/// The runs API, v1: <c>GET /v1/namespaces/{ns}/workflows/{wf}/runs?since=&amp;until=</c> lists run summaries (RFC 3339
/// times; default the last 24 hours), <c>.../runs/{runId}</c> answers one run with its decisions. Whoever may
/// <c>get</c> the AgentWorkflow may read its runs (SubjectAccessReview with the caller's token).
/// </summary>
public static class RunEndpoints
{
    public static void MapRunApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/namespaces/{namespace}/workflows/{workflow}/runs", ListAsync);
        app.MapGet("/v1/namespaces/{namespace}/workflows/{workflow}/runs/{runId}", GetAsync);
    }

    private static async Task<IResult> ListAsync(string @namespace, string workflow, string? since, string? until, HttpRequest request, TokenAuthenticator authenticator,
        ChainStore store, CollectorMetrics metrics, TimeProvider timeProvider, CancellationToken cancellationToken) => await GatewayEndpoints.GuardAsync(metrics, async () =>
    {
        if (ReadEndpoints.BadName(@namespace, workflow) is { } bad)
        {
            return bad;
        }

        var now = timeProvider.GetUtcNow();
        if (!TryTime(since, now.AddDays(-1), out var from) || !TryTime(until, now.AddMinutes(1), out var to))
        {
            return GatewayEndpoints.Problem(StatusCodes.Status400BadRequest, "since and until are RFC 3339 times, such as 2026-12-05T16:00:00Z");
        }

        await authenticator.AuthorizeReaderAsync(request, @namespace, workflow, cancellationToken);
        var runs = await RunReader.ReadAsync(store, @namespace, workflow, from, to, null, cancellationToken);
        return Results.Json(new RunList(RunList.Version, [.. runs.Select(r => r with { Decisions = [] })]), AuditChain.SerializerOptions);
    });

    private static async Task<IResult> GetAsync(string @namespace, string workflow, string runId, HttpRequest request, TokenAuthenticator authenticator,
        ChainStore store, CollectorMetrics metrics, CancellationToken cancellationToken) => await GatewayEndpoints.GuardAsync(metrics, async () =>
    {
        if (ReadEndpoints.BadName(@namespace, workflow) is { } bad)
        {
            return bad;
        }

        await authenticator.AuthorizeReaderAsync(request, @namespace, workflow, cancellationToken);
        var runs = await RunReader.ReadAsync(store, @namespace, workflow, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, runId, cancellationToken);
        return runs is [var run, ..]
            ? Results.Json(run, AuditChain.SerializerOptions)
            : GatewayEndpoints.Problem(StatusCodes.Status404NotFound, $"workflow {@namespace}/{workflow} has no stored run '{runId}'");
    });

    private static bool TryTime(string? text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        value = fallback;
        return text is null || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }
}
