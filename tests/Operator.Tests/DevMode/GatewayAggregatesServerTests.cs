using System.Text.Json.Nodes;
using AgentOperator.DevMode.Analysis;
using AgentOperator.DevMode.Pods;
using Microsoft.Extensions.Time.Testing;

namespace AgentOperator.Operator.Tests.DevMode;

public sealed class GatewayAggregatesServerTests
{
    [Fact]
    public async Task Aggregates_EntriesOfEveryGateway_AndAnEndedGatewayKeepsItsLastTotals()
    {
        await using var first = await AggregatesStub.StartAsync("""{"revisions":[{"workflow":"support-refund","revision":"r1","runsByOutcome":{"success":3}}]}""");
        await using var second = await AggregatesStub.StartAsync("""{"revisions":[{"workflow":"support-refund","revision":"r2","evalPassRatio":0.95}]}""");
        List<PodGatewayEndpoint> gateways = [Endpoint("support", "web-1", first.Address), Endpoint("support", "eval-1", second.Address)];
        using var http = new HttpClient();
        await using var server = await GatewayAggregatesServer.StartAsync(() => gateways, http, TimeProvider.System, CancellationToken.None);

        var both = await RevisionsAsync(http, server.Url);
        gateways.RemoveAt(1);
        await second.DisposeAsync();
        var afterEvalEnded = await RevisionsAsync(http, server.Url);

        Assert.Equal(["r2", "r1"], both);
        Assert.Equal(["r2", "r1"], afterEvalEnded);
        Assert.True(server.Url.IsLoopback);
    }

    [Fact]
    public async Task Aggregates_ForANamespace_OnlyItsGateways_SinceEntriesNameNoNamespace()
    {
        await using var support = await AggregatesStub.StartAsync("""{"revisions":[{"workflow":"refund-helper","revision":"r1","runsByOutcome":{"success":3}}]}""");
        await using var staging = await AggregatesStub.StartAsync("""{"revisions":[{"workflow":"refund-helper","revision":"r1","runsByOutcome":{"escalated":9}}]}""");
        List<PodGatewayEndpoint> gateways = [Endpoint("support", "web-1", support.Address), Endpoint("staging", "web-1", staging.Address)];
        using var http = new HttpClient();
        await using var server = await GatewayAggregatesServer.StartAsync(() => gateways, http, TimeProvider.System, CancellationToken.None);

        var url = server.AnalysisUrl.OriginalString.Replace("{{namespace}}", "support", StringComparison.Ordinal);
        var entries = (JsonNode.Parse(await http.GetStringAsync(new Uri(url)))!["revisions"] as JsonArray)!;

        var entry = Assert.Single(entries);
        Assert.Equal(3, entry!["runsByOutcome"]!["success"]!.GetValue<long>());
        Assert.Contains("{{namespace}}", server.AnalysisUrl.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aggregates_AnEndedGatewaysTotals_AreForgottenAfterTheRetention_SoALongSessionDoesNotGrow()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var web = await AggregatesStub.StartAsync("""{"revisions":[{"workflow":"support-refund","revision":"r1","runsByOutcome":{"success":3}}]}""");
        await using var eval = await AggregatesStub.StartAsync("""{"revisions":[{"workflow":"support-refund","revision":"r2","evalPassRatio":0.95}]}""");
        List<PodGatewayEndpoint> gateways = [Endpoint("support", "web-1", web.Address), Endpoint("support", "eval-1", eval.Address)];
        using var http = new HttpClient();
        await using var server = await GatewayAggregatesServer.StartAsync(() => gateways, http, time, CancellationToken.None);
        await RevisionsAsync(http, server.Url);

        gateways.RemoveAt(1);
        await eval.DisposeAsync();
        var atEnd = await RevisionsAsync(http, server.Url);
        time.Advance(GatewayAggregatesServer.EndedGatewayRetention - TimeSpan.FromSeconds(1));
        var justBefore = await RevisionsAsync(http, server.Url);
        time.Advance(TimeSpan.FromSeconds(1));
        var after = await RevisionsAsync(http, server.Url);

        Assert.Equal(["r2", "r1"], atEnd);
        Assert.Equal(["r2", "r1"], justBefore);
        Assert.Equal(["r1"], after);
    }

    private static PodGatewayEndpoint Endpoint(string @namespace, string pod, Uri metrics) => new(@namespace, pod, "support-refund", null, metrics, metrics);

    private static async Task<List<string?>> RevisionsAsync(HttpClient http, Uri url) =>
        [.. (JsonNode.Parse(await http.GetStringAsync(url))!["revisions"] as JsonArray)!.Select(e => e?["revision"]?.GetValue<string>())];
}
