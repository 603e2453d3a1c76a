using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.DevMode.Pods;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentOperator.DevMode.Analysis;

/// <summary>
/// Dev mode's analysis source when Prometheus is not used: <c>GET /v1/aggregates</c> on 127.0.0.1 answers the
/// gateways' own shape, <c>{"revisions": [...]}</c>, with the entries of every in-process gateway (<c>?namespace=NS</c>:
/// of the gateways of pods in NS only, since the entries themselves name no namespace), so the web provider sums a
/// revision over all its pods. A gateway that has ended keeps the totals last read from it (its counters are
/// cumulative), so an eval pod's pass ratio stays visible after its Job finished, as Prometheus keeps past samples —
/// for <see cref="EndedGatewayRetention"/>, so a long session's pod churn does not grow the server without bound.
/// </summary>
internal sealed class GatewayAggregatesServer : IAsyncDisposable
{
    /// <summary>How long an ended gateway's last totals are still served: longer than any example's analysis window.</summary>
    public static readonly TimeSpan EndedGatewayRetention = TimeSpan.FromHours(1);

    private readonly WebApplication _app;
    private readonly Func<IReadOnlyCollection<PodGatewayEndpoint>> _gateways;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, GatewayTotals> _lastRead = new(StringComparer.Ordinal);

    private GatewayAggregatesServer(WebApplication app, Func<IReadOnlyCollection<PodGatewayEndpoint>> gateways, HttpClient http, TimeProvider time)
    {
        _app = app;
        _gateways = gateways;
        _http = http;
        _time = time;
    }

    /// <summary>The aggregates of every gateway.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The URL for <c>AnalysisOptions.WebUrlOverride</c>: the aggregates of the analysed workflow's namespace.</summary>
    public Uri AnalysisUrl => new($"{Url}?namespace={{{{namespace}}}}");

    /// <summary>Starts serving on a free loopback port the aggregates of <paramref name="gateways"/> (read at each request).</summary>
    public static async Task<GatewayAggregatesServer> StartAsync(Func<IReadOnlyCollection<PodGatewayEndpoint>> gateways, HttpClient http, TimeProvider time, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new GatewayAggregatesServer(app, gateways, http, time);
        app.MapGet("/v1/aggregates", async (string? @namespace, CancellationToken ct) =>
            Results.Json(new JsonObject { ["revisions"] = await server.CollectAsync(@namespace, ct) }));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(new Uri(address), "/v1/aggregates");
        return server;
    }

    /// <summary>
    /// The entries of the gateways in <paramref name="namespace"/> (null: all): fresh from the live ones, the last read
    /// from those that ended or did not answer. Forgets the gateways that ended more than <see cref="EndedGatewayRetention"/> ago.
    /// </summary>
    public async Task<JsonArray> CollectAsync(string? @namespace, CancellationToken cancellationToken)
    {
        var gateways = _gateways();
        ForgetEnded(gateways.Select(Key).ToHashSet(StringComparer.Ordinal));
        await Task.WhenAll(gateways.Where(g => @namespace is null || g.Namespace == @namespace).Select(g => ReadAsync(g, cancellationToken)));
        return [.. _lastRead
            .Where(e => @namespace is null || e.Value.Namespace == @namespace)
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .SelectMany(e => e.Value.Revisions.Select(entry => entry?.DeepClone()))];
    }

    private void ForgetEnded(HashSet<string> live)
    {
        var now = _time.GetUtcNow();
        foreach (var held in _lastRead)
        {
            if (live.Contains(held.Key))
            {
                continue;
            }

            // Only if unchanged since enumerated: a concurrent request may have just read a gateway of the same pod name.
            if (held.Value.EndedAt is null)
            {
                _lastRead.TryUpdate(held.Key, held.Value with { EndedAt = now }, held.Value);
            }
            else if (now - held.Value.EndedAt >= EndedGatewayRetention)
            {
                _lastRead.TryRemove(held);
            }
        }
    }

    private async Task ReadAsync(PodGatewayEndpoint gateway, CancellationToken cancellationToken)
    {
        try
        {
            var document = JsonNode.Parse(await _http.GetStringAsync(new Uri(gateway.MetricsAddress, "/v1/aggregates"), cancellationToken));
            if (document?["revisions"] is JsonArray revisions)
            {
                _lastRead[Key(gateway)] = new GatewayTotals(gateway.Namespace, revisions, EndedAt: null);
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The pod is stopping: its last totals stand.
        }
    }

    private static string Key(PodGatewayEndpoint gateway) => $"{gateway.Namespace}/{gateway.Pod}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>One gateway's last read entries; <paramref name="EndedAt"/> is when it was first seen gone, null while it runs.</summary>
    private sealed record GatewayTotals(string Namespace, JsonArray Revisions, DateTimeOffset? EndedAt);
}
