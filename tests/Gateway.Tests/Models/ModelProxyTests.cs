using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Gateway.Tests.Fakes;

namespace AgentOperator.Gateway.Tests.Models;

public sealed class ModelProxyTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartAsync();
        _gateway.Upstream.Script("/v1/chat/completions", _ => new UpstreamReply(200, new JsonObject
        {
            ["id"] = "chatcmpl-1",
            ["model"] = "gpt-4o-2024-08-06",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "ok" } }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 1000, ["completion_tokens"] = 500, ["total_tokens"] = 1500 },
        }));
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<HttpResponseMessage> ChatAsync(string run, string role, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Agent-Run", run);
        request.Headers.Add("X-Agent-Role", role);
        return await _gateway.Http.SendAsync(request);
    }

    [Fact]
    public async Task PinnedModel_IsProxied_AndUsageIsCounted()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await ChatAsync(run, "executor", new { model = "gpt-4o-2024-08-06", max_tokens = 800, messages = new[] { new { role = "user", content = "hello" } } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _gateway.Upstream.Count("/v1/chat/completions"));
        var metrics = await _gateway.ScrapeMetricsAsync();
        Assert.Contains("agent_tokens_total{workflow=\"support-refund\",revision=\"rev0000001\",role=\"executor\",model=\"gpt-4o-2024-08-06\"} 1500", metrics, StringComparison.Ordinal);
        // 1000 * 0.0025 / 1000 + 500 * 0.01 / 1000 = 0.0075 USD
        Assert.Contains("agent_cost_usd_total{workflow=\"support-refund\",revision=\"rev0000001\"} 0.0075", metrics, StringComparison.Ordinal);
        using var complete = await _gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "success" });
        var usage = (await complete.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1500, usage["tokens"]!.GetValue<long>());
        Assert.Equal(1, usage["steps"]!.GetValue<int>());
    }

    [Fact]
    public async Task OmittedModel_GetsThePinnedModel()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await ChatAsync(run, "executor", new { max_tokens = 100, messages = new[] { new { role = "user", content = "hi" } } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"model\":\"gpt-4o-2024-08-06\"", _gateway.Upstream.Requests.Single().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongModel_Returns403ModelPinned()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await ChatAsync(run, "executor", new { model = "gpt-4o", messages = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("model-pinned", (await response.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());
        Assert.Empty(_gateway.Upstream.Requests);
    }

    [Fact]
    public async Task UndeclaredRole_Returns403ModelRole()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await ChatAsync(run, "planner", new { model = "gpt-4o-2024-08-06", messages = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("model-role", (await response.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());
        Assert.Empty(_gateway.Upstream.Requests);
    }

    [Fact]
    public async Task AboveMaxTokensPerCall_Returns403()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await ChatAsync(run, "executor", new { max_tokens = 50_000, messages = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("max-tokens-per-call", (await response.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task TokenBudget_ExhaustedByUsage_RefusesTheNextCall()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u, new AgentOperator.Crds.V1Alpha1.Budgets { MaxTokensTotal = 2000 }));
        gateway.Upstream.Script("/v1/chat/completions", _ => new UpstreamReply(200, new JsonObject { ["usage"] = new JsonObject { ["prompt_tokens"] = 1200, ["completion_tokens"] = 300 } }));
        var run = await gateway.StartRunAsync();
        using var request1 = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(new { max_tokens = 400, messages = Array.Empty<object>() }) };
        request1.Headers.Add("X-Agent-Run", run);
        request1.Headers.Add("X-Agent-Role", "executor");
        using var first = await gateway.Http.SendAsync(request1);
        using var request2 = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(new { max_tokens = 600, messages = Array.Empty<object>() }) };
        request2.Headers.Add("X-Agent-Run", run);
        request2.Headers.Add("X-Agent-Role", "executor");

        using var second = await gateway.Http.SendAsync(request2);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("maxTokensTotal", (await second.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());
        Assert.Equal(1, gateway.Upstream.Count("/v1/chat/completions"));
    }
}
