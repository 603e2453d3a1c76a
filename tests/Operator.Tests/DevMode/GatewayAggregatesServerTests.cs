using System.Net;
using System.Text.Json.Nodes;
using AgentOperator.Operator.DevMode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Operator.Tests.DevMode;

public sealed class GatewayAggregatesServerTests
{
    [Fact]
    public async Task Aggregates_EntriesOfEveryGateway_AndAnEndedGatewayKeepsItsLastTotals()
    {
        await using var first = await AggregatesStub.StartAsync("""{"revisions":[{"workflow":"support-refund","revision":"r1","runsByOutcome":{"success":3}}]}""");
        await using var second = await AggregatesStub.StartAsync("""{"revisions":[{"workflow":"support-refund","revision":"r2","evalPassRatio":0.95}]}""");
        List<PodGatewayEndpoint> gateways = [Endpoint("web-1", first.Address), Endpoint("eval-1", second.Address)];
        using var http = new HttpClient();
        await using var server = await GatewayAggregatesServer.StartAsync(() => gateways, http, CancellationToken.None);

        var both = await RevisionsAsync(http, server.Url);
        gateways.RemoveAt(1);
        await second.DisposeAsync();
        var afterEvalEnded = await RevisionsAsync(http, server.Url);

        Assert.Equal(["r2", "r1"], both);
        Assert.Equal(["r2", "r1"], afterEvalEnded);
        Assert.True(server.Url.IsLoopback);
    }

    private static PodGatewayEndpoint Endpoint(string pod, Uri metrics) => new("support", pod, "support-refund", null, metrics, metrics);

    private static async Task<List<string?>> RevisionsAsync(HttpClient http, Uri url) =>
        [.. (JsonNode.Parse(await http.GetStringAsync(url))!["revisions"] as JsonArray)!.Select(e => e?["revision"]?.GetValue<string>())];

    private sealed class AggregatesStub : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private bool _disposed;

        private AggregatesStub(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<AggregatesStub> StartAsync(string json)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.MapGet("/v1/aggregates", () => Results.Text(json, "application/json"));
            await app.StartAsync();
            return new AggregatesStub(app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
