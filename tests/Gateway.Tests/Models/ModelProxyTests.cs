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

    private async Task<HttpResponseMessage> ChatRawAsync(string run, string body, string role = "executor")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Agent-Run", run);
        request.Headers.Add("X-Agent-Role", role);
        return await _gateway.Http.SendAsync(request);
    }

    private JsonObject LastUpstreamBody() => JsonNode.Parse(_gateway.Upstream.Requests.Last().Body)!.AsObject();

    [Fact]
    public async Task AboveMaxTokensPerCall_IsCappedToWhatTheLimitLeavesAfterThePrompt()
    {
        var run = await _gateway.StartRunAsync();
        const string body = """{"max_tokens":50000,"messages":[]}""";

        using var response = await ChatRawAsync(run, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4000 - body.Length / 4, LastUpstreamBody()["max_tokens"]!.GetValue<long>());
    }

    [Fact]
    public async Task RequestWithoutMaxTokens_GoesUpstreamWithACap()
    {
        var run = await _gateway.StartRunAsync();
        const string body = """{"messages":[{"role":"user","content":"hello"}]}""";

        using var response = await ChatRawAsync(run, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4000 - body.Length / 4, LastUpstreamBody()["max_tokens"]!.GetValue<long>());
    }

    [Fact]
    public async Task MaxCompletionTokens_IsCappedInItsOwnMember()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await ChatRawAsync(run, """{"max_completion_tokens":9000,"messages":[]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = LastUpstreamBody();
        Assert.Null(sent["max_tokens"]);
        Assert.True(sent["max_completion_tokens"]!.GetValue<long>() < 4000);
    }

    [Fact]
    public async Task RunNearItsTokenBudget_GetsASmallerCapInsteadOfEnding()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u, new AgentOperator.Crds.V1Alpha1.Budgets { MaxTokensTotal = 24_000 }));
        gateway.Upstream.Script("/v1/chat/completions", n => new UpstreamReply(200, new JsonObject { ["usage"] = new JsonObject { ["prompt_tokens"] = n == 1 ? 15_000 : 100, ["completion_tokens"] = n == 1 ? 1_500 : 100 } }));
        var run = await gateway.StartRunAsync();
        const string body = """{"messages":[{"role":"user","content":"next step"}]}""";
        async Task<HttpResponseMessage> Chat()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Agent-Run", run);
            request.Headers.Add("X-Agent-Role", "executor");
            return await gateway.Http.SendAsync(request);
        }

        using var first = await Chat();
        using var second = await Chat();

        // 16,500 of 24,000 used: the worst case of maxTokensPerCall (4,000) still fits; at 23,800 used a smaller cap does.
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        gateway.Upstream.Script("/v1/chat/completions", _ => new UpstreamReply(200, new JsonObject { ["usage"] = new JsonObject { ["prompt_tokens"] = 7_000, ["completion_tokens"] = 100 } }));
        using var third = await Chat();
        using var fourth = await Chat();
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
        var sent = gateway.Upstream.Requests.Select(r => JsonNode.Parse(r.Body)!["max_tokens"]!.GetValue<long>()).ToArray();
        Assert.Equal([4000 - body.Length / 4, 4000 - body.Length / 4, 4000 - body.Length / 4, 24_000 - 16_700 - 7_100 - body.Length / 4], sent);
    }

    public static TheoryData<string, string, string> InvalidMembers() => new()
    {
        { "max_tokens", "-5", "positive integer" },
        { "max_tokens", "0", "positive integer" },
        { "max_tokens", "10.5", "positive integer" },
        { "max_tokens", "\"100\"", "positive integer" },
        { "max_completion_tokens", "-1", "positive integer" },
        { "n", "0", "from 1 to 128" },
        { "n", "1.5", "from 1 to 128" },
        { "n", "1000", "from 1 to 128" },
        { "stream", "\"true\"", "boolean" },
        { "stream", "1", "boolean" },
        { "model", "42", "string" },
    };

    [Theory]
    [MemberData(nameof(InvalidMembers))]
    public async Task InvalidCostMember_Is400NamingIt_AuditedAndNeverUpstream(string member, string value, string expected)
    {
        var run = await _gateway.StartRunAsync();

        using var response = await ChatRawAsync(run, $$"""{"{{member}}":{{value}},"messages":[]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single());
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("/" + member, problem["errors"]![0]!["pointer"]!.GetValue<string>());
        Assert.Equal(member, problem["error"]!["param"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", problem["error"]!["type"]!.GetValue<string>());
        Assert.Contains(expected, problem["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(_gateway.Upstream.Requests);
        Assert.Contains(await _gateway.AuditLinesAsync(), l => l.Contains("\"kind\":\"model.call\"", StringComparison.Ordinal) && l.Contains("\"status\":400", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SeveralChoices_AreBudgetedPerChoice()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u, new AgentOperator.Crds.V1Alpha1.Budgets { MaxTokensTotal = 2_000 }));
        var run = await gateway.StartRunAsync();
        const string body = """{"n":3,"max_tokens":1000,"messages":[]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Agent-Run", run);
        request.Headers.Add("X-Agent-Role", "executor");

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse(gateway.Upstream.Requests.Single().Body)!;
        Assert.Equal(3, sent["n"]!.GetValue<int>());
        Assert.Equal((2_000 - body.Length / 4) / 3, sent["max_tokens"]!.GetValue<long>());
    }

    [Fact]
    public async Task AnswerWithoutUsage_IsChargedItsReservation_AndAuditedAsSuch()
    {
        _gateway.Upstream.Script("/v1/chat/completions", _ => new UpstreamReply(200, new JsonObject { ["choices"] = new JsonArray() }));
        var run = await _gateway.StartRunAsync();
        const string body = """{"max_tokens":100,"messages":[]}""";

        using var response = await ChatRawAsync(run, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var complete = await _gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "success" });
        var usage = (await complete.Content.ReadFromJsonAsync<JsonObject>())!;
        var prompt = body.Length / 4;
        Assert.Equal(prompt + 100, usage["tokens"]!.GetValue<long>());
        Assert.Equal((prompt * 0.0025 + 100 * 0.01) / 1000, usage["costUsd"]!.GetValue<double>(), 1e-9);
        var record = (await _gateway.AuditLinesAsync()).Select(l => JsonNode.Parse(l)!).Last(r => r["kind"]!.GetValue<string>() == "model.call");
        Assert.Equal("reservation", record["usageSource"]!.GetValue<string>());
        Assert.Contains("no usage", record["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_CarryAnOpenAiError_AndSayWhetherARetryCanHelp()
    {
        var run = await _gateway.StartRunAsync();

        using var denied = await ChatRawAsync(run, """{"model":"gpt-4o","messages":[]}""");

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("false", denied.Headers.GetValues("x-should-retry").Single());
        var problem = (await denied.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("deny", problem["decision"]!.GetValue<string>());
        Assert.Equal("permission_error", problem["error"]!["type"]!.GetValue<string>());
        Assert.Equal("model-pinned", problem["error"]!["code"]!.GetValue<string>());
        Assert.StartsWith("model-pinned: Role 'executor' is pinned to model 'gpt-4o-2024-08-06'", problem["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        await using var unreachable = await GatewayUnderTest.StartAsync(_ => TestBundles.SupportRefund("http://127.0.0.1:9"));
        var other = await unreachable.StartRunAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("""{"messages":[]}""", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Agent-Run", other);
        request.Headers.Add("X-Agent-Role", "executor");
        using var failed = await unreachable.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal("true", failed.Headers.GetValues("x-should-retry").Single());
        Assert.Equal("api_error", (await failed.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task ModelsList_NamesThePinnedModels()
    {
        using var response = await _gateway.Http.GetAsync("/v1/models");

        var list = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("list", list["object"]!.GetValue<string>());
        var model = Assert.Single(list["data"]!.AsArray())!;
        Assert.Equal(("gpt-4o-2024-08-06", "model", "openai"), (model["id"]!.GetValue<string>(), model["object"]!.GetValue<string>(), model["owned_by"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TokenBudget_ExhaustedByUsage_RefusesTheNextCall_With402AndWithoutRetry()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u, new AgentOperator.Crds.V1Alpha1.Budgets { MaxTokensTotal = 2000 }));
        gateway.Upstream.Script("/v1/chat/completions", _ => new UpstreamReply(200, new JsonObject { ["usage"] = new JsonObject { ["prompt_tokens"] = 1600, ["completion_tokens"] = 390 } }));
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
        Assert.Equal(HttpStatusCode.PaymentRequired, second.StatusCode);
        Assert.Equal("false", second.Headers.GetValues("x-should-retry").Single());
        Assert.Null(second.Headers.RetryAfter);
        var problem = (await second.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("maxTokensTotal", problem["rule"]!.GetValue<string>());
        Assert.Equal("insufficient_quota", problem["error"]!["type"]!.GetValue<string>());
        Assert.Contains("The run has 10 of its 2000 tokens (maxTokensTotal) left", problem["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, gateway.Upstream.Count("/v1/chat/completions"));
    }
}
