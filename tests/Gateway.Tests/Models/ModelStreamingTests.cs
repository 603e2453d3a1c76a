using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.SampleAgent;

namespace AgentOperator.Gateway.Tests.Models;

/// <summary><c>stream: true</c> through the gateway, against the dev-mode fake provider and one that ignores its cap.</summary>
public sealed class ModelStreamingTests
{
    private static async Task<HttpResponseMessage> ChatAsync(GatewayUnderTest gateway, string run, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Agent-Run", run);
        request.Headers.Add("X-Agent-Role", "executor");
        return await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<List<string>> EventsAsync(HttpResponseMessage response) =>
        [.. (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..])];

    [Fact]
    public async Task Stream_IsRelayedAsServerSentEvents_AndSettledFromTheUsageChunk()
    {
        await using var model = await FakeModelServer.StartAsync(0, CancellationToken.None);
        await using var gateway = await GatewayUnderTest.StartAsync(_ => TestBundles.SupportRefund(model.BaseUrl.ToString().TrimEnd('/')));
        var run = await gateway.StartRunAsync();
        var content = new string('x', 400);
        var body = $$"""{"stream":true,"max_tokens":64,"messages":[{"role":"user","content":"{{content}}"}]}""";

        using var response = await ChatAsync(gateway, run, body);
        var events = await EventsAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.Null(c["usage"]));
        var text = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["delta"]?["content"]?.GetValue<string>()));
        Assert.StartsWith("[gpt-4o-2024-08-06] plan ", text, StringComparison.Ordinal);
        using var complete = await gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "success" });
        var usage = (await complete.Content.ReadFromJsonAsync<JsonObject>())!;
        // The fake's usage: prompt = 400 characters / 4, completion = the cap the gateway sent (64).
        Assert.Equal(100 + 64, usage["tokens"]!.GetValue<long>());
        var metrics = await gateway.ScrapeMetricsAsync();
        Assert.Contains("agent_tokens_total{workflow=\"support-refund\",revision=\"rev0000001\",role=\"executor\",model=\"gpt-4o-2024-08-06\"} 164", metrics, StringComparison.Ordinal);
        var record = (await gateway.AuditLinesAsync()).Select(l => JsonNode.Parse(l)!).Single(r => r["kind"]!.GetValue<string>() == "model.call");
        Assert.Equal((true, "usage", "allow", 64L), (record["streamed"]!.GetValue<bool>(), record["usageSource"]!.GetValue<string>(), record["decision"]!.GetValue<string>(), record["maxCompletionTokens"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Stream_AsksTheUpstreamForUsage_AndForwardsTheUsageChunkOnlyWhenTheAgentAskedToo()
    {
        await using var upstream = await RunawayModelUpstream.StartAsync(chunks: 5);
        await using var gateway = await GatewayUnderTest.StartAsync(_ => TestBundles.SupportRefund(upstream.Url));
        var run = await gateway.StartRunAsync();

        using var plain = await ChatAsync(gateway, run, """{"stream":true,"messages":[]}""");
        var plainEvents = await EventsAsync(plain);
        using var asked = await ChatAsync(gateway, run, """{"stream":true,"stream_options":{"include_usage":true},"messages":[]}""");
        var askedEvents = await EventsAsync(asked);

        Assert.All(upstream.Requests, r => Assert.True(r["stream_options"]!["include_usage"]!.GetValue<bool>()));
        Assert.All(upstream.Requests, r => Assert.True(r["max_tokens"]!.GetValue<long>() > 0));
        Assert.DoesNotContain(plainEvents, e => e.Contains("\"usage\"", StringComparison.Ordinal));
        Assert.Contains(askedEvents, e => e.Contains("\"usage\"", StringComparison.Ordinal));
        Assert.Equal(6, plainEvents.Count);
    }

    [Fact]
    public async Task RunawayStream_IsCutWithAnErrorEvent_WhenTheBudgetRunsOut()
    {
        await using var upstream = await RunawayModelUpstream.StartAsync(chunks: 2_000);
        await using var gateway = await GatewayUnderTest.StartAsync(_ => TestBundles.SupportRefund(upstream.Url, new Budgets { MaxTokensTotal = 120 }));
        var run = await gateway.StartRunAsync();

        using var response = await ChatAsync(gateway, run, """{"stream":true,"messages":[]}""");
        var events = await EventsAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[DONE]", events[^1]);
        var error = JsonNode.Parse(events[^2])!["error"]!;
        Assert.Equal(("maxTokensTotal", "insufficient_quota"), (error["code"]!.GetValue<string>(), error["type"]!.GetValue<string>()));
        Assert.Contains("the stream was cut", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("length", JsonNode.Parse(events[^3])!["choices"]![0]!["finish_reason"]!.GetValue<string>());
        // Well under the 2,000 chunks the upstream would have sent: the 120 tokens less the prompt, counted
        // conservatively (" word" is 5 bytes, 1.25 tokens at 4 bytes a token).
        Assert.InRange(events.Count, 80, 125);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!upstream.ClosedEarly && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(upstream.ClosedEarly, "the gateway did not close the upstream stream after cutting it");
        using var next = await ChatAsync(gateway, run, """{"messages":[]}""");
        Assert.Equal(HttpStatusCode.PaymentRequired, next.StatusCode);
        var record = (await gateway.AuditLinesAsync()).Select(l => JsonNode.Parse(l)!).First(r => r["kind"]!.GetValue<string>() == "model.call");
        Assert.Equal(("budget_exceeded", "maxTokensTotal", true), (record["decision"]!.GetValue<string>(), record["rule"]!.GetValue<string>(), record["streamed"]!.GetValue<bool>()));
        Assert.Contains("agent_policy_violations_total{workflow=\"support-refund\",revision=\"rev0000001\",rule=\"maxTokensTotal\"}", await gateway.ScrapeMetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_is_settled_before_the_agent_sees_its_end()
    {
        // The upstream keeps its connection open after [DONE]: the agent must not see the end before the call
        // is charged, or a run completed at once would miss the call's tokens.
        await using var upstream = await RunawayModelUpstream.StartAsync(chunks: 5, holdOpenAfterDone: TimeSpan.FromSeconds(30));
        await using var gateway = await GatewayUnderTest.StartAsync(_ => TestBundles.SupportRefund(upstream.Url));
        var run = await gateway.StartRunAsync();

        using var response = await ChatAsync(gateway, run, """{"stream":true,"messages":[]}""");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? line;
        while ((line = await reader.ReadLineAsync(deadline.Token)) is not null && line != "data: [DONE]")
        {
        }

        Assert.Equal("data: [DONE]", line);
        using var complete = await gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "success" });
        // The upstream's usage chunk: 10 prompt tokens and one completion token a chunk.
        Assert.Equal(10 + 5, (await complete.Content.ReadFromJsonAsync<JsonObject>())!["tokens"]!.GetValue<long>());
        // And the agent's response ends without waiting for the upstream to close.
        Assert.Equal("", await reader.ReadLineAsync(deadline.Token));
        Assert.Null(await reader.ReadLineAsync(deadline.Token));
    }
}
