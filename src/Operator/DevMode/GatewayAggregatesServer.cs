using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentOperator.Operator.DevMode;

/// <summary>
/// Dev mode's analysis source when no Prometheus is installed: <c>GET /v1/aggregates</c> on 127.0.0.1 answers the
/// gateways' own shape, <c>{"revisions": [...]}</c>, with the entries of every in-process gateway, so the web provider
/// sums a revision over all its pods. A gateway that has ended keeps the totals last read from it (its counters are
/// cumulative), so an eval pod's pass ratio stays visible after its Job finished, as Prometheus keeps past samples.
/// </summary>
internal sealed class GatewayAggregatesServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<IReadOnlyCollection<PodGatewayEndpoint>> _gateways;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, JsonArray> _lastRead = new(StringComparer.Ordinal);

    private GatewayAggregatesServer(WebApplication app, Func<IReadOnlyCollection<PodGatewayEndpoint>> gateways, HttpClient http)
    {
        _app = app;
        _gateways = gateways;
        _http = http;
    }

    /// <summary>The aggregates URL, for <c>AnalysisOptions.WebUrlOverride</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Starts serving on a free loopback port the aggregates of <paramref name="gateways"/> (read at each request).</summary>
    public static async Task<GatewayAggregatesServer> StartAsync(Func<IReadOnlyCollection<PodGatewayEndpoint>> gateways, HttpClient http, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new GatewayAggregatesServer(app, gateways, http);
        app.MapGet("/v1/aggregates", async (CancellationToken ct) => Results.Json(new JsonObject { ["revisions"] = await server.CollectAsync(ct) }));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(new Uri(address), "/v1/aggregates");
        return server;
    }

    /// <summary>Every gateway's entries: fresh from the live ones, the last read from those that ended or did not answer.</summary>
    public async Task<JsonArray> CollectAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_gateways().Select(g => ReadAsync(g, cancellationToken)));
        return [.. _lastRead.OrderBy(e => e.Key, StringComparer.Ordinal).SelectMany(e => e.Value.Select(entry => entry?.DeepClone()))];
    }

    private async Task ReadAsync(PodGatewayEndpoint gateway, CancellationToken cancellationToken)
    {
        try
        {
            var document = JsonNode.Parse(await _http.GetStringAsync(new Uri(gateway.MetricsAddress, "/v1/aggregates"), cancellationToken));
            if (document?["revisions"] is JsonArray revisions)
            {
                _lastRead[$"{gateway.Namespace}/{gateway.Pod}"] = revisions;
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The pod is stopping: its last totals stand.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
