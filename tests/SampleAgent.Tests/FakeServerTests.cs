using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.SampleAgent.Tests;

public sealed class FakeServerTests
{
    [Fact]
    public async Task FakeModelServer_answers_deterministically_with_usage()
    {
        await using var server = await FakeModelServer.StartAsync(0, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var request = new JsonObject
        {
            ["model"] = "gpt-4o-2024-08-06",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Refund order A-1 please, it arrived broken." }), // 43 characters: 10 prompt tokens
            ["max_tokens"] = 77,
        };

        var first = await (await http.PostAsJsonAsync("v1/chat/completions", request)).Content.ReadFromJsonAsync<JsonObject>();
        var second = await (await http.PostAsJsonAsync("chat/completions", request)).Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal("127.0.0.1", server.BaseUrl.Host);
        Assert.Equal(10, first!["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(77, first["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(87, first["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.Equal("gpt-4o-2024-08-06", first["model"]!.GetValue<string>());
        Assert.Equal(first["choices"]!.ToJsonString(), second!["choices"]!.ToJsonString());
        Assert.Equal(2, server.Calls);
    }

    [Fact]
    public async Task FakeModelServer_streams_the_same_answer_as_server_sent_events_with_a_usage_chunk()
    {
        await using var server = await FakeModelServer.StartAsync(0, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var request = new JsonObject
        {
            ["model"] = "gpt-4o-2024-08-06",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Refund order A-1 please, it arrived broken." }),
            ["max_tokens"] = 77,
        };
        var whole = await (await http.PostAsJsonAsync("v1/chat/completions", request)).Content.ReadFromJsonAsync<JsonObject>();
        request["stream"] = true;
        request["stream_options"] = new JsonObject { ["include_usage"] = true };

        using var response = await http.PostAsJsonAsync("v1/chat/completions", request);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        var text = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["delta"]?["content"]?.GetValue<string>()));
        Assert.Equal(whole!["choices"]![0]!["message"]!["content"]!.GetValue<string>(), text);
        Assert.Equal(87, chunks[^1]["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.Equal("stop", chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task FakeToolServer_echoes_records_and_fails_exactly_its_share()
    {
        await using var server = await FakeToolServer.StartAsync(0, failureRate: 0.25, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        var statuses = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "refunds") { Content = JsonContent.Create(new JsonObject { ["amount_usd"] = i }) };
            request.Headers.Add("Idempotency-Key", $"key-{i}");
            using var response = await http.SendAsync(request);
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([200, 200, 200, 503, 200, 200, 200, 503], statuses);
        Assert.Equal(8, server.Calls.Count);
        Assert.Equal("key-5", server.Calls[5].IdempotencyKey);
        Assert.Equal(5, server.Calls[5].Input!["amount_usd"]!.GetValue<int>());
        Assert.Equal("/refunds", server.Calls[0].Path);
        Assert.Equal([false, false, false, true, false, false, false, true], server.Calls.Select(c => c.Failed));
    }

    [Fact]
    public async Task FakeToolServer_echo_carries_the_input()
    {
        await using var server = await FakeToolServer.StartAsync(0, failureRate: 0, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        var answer = await (await http.PostAsJsonAsync("orders/lookup", new JsonObject { ["order_id"] = "A-1" })).Content.ReadFromJsonAsync<JsonObject>();

        Assert.True(answer!["ok"]!.GetValue<bool>());
        Assert.Equal("A-1", answer["input"]!["order_id"]!.GetValue<string>());
        Assert.Equal("/orders/lookup", answer["path"]!.GetValue<string>());
    }
}
