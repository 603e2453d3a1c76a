using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.SampleAgent;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace AgentOperator.Gateway.Tests.Models;

/// <summary>
/// The official OpenAI .NET SDK, with its default options, pointed at the gateway: only the endpoint and the
/// two gateway headers are configured, as an agent would.
/// </summary>
public sealed class OpenAiSdkTests
{
    private const string Model = "gpt-4o-2024-08-06";

    private static OpenAIClientOptions Options(GatewayUnderTest gateway, string run)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(gateway.Gateway.AgentAddress, "/v1") };
        options.AddPolicy(new GatewayHeaders(run, "executor"), PipelinePosition.PerCall);
        return options;
    }

    private static ChatClient Chat(GatewayUnderTest gateway, string run, AttemptLog? attempts = null)
    {
        var options = Options(gateway, run);
        if (attempts is not null)
        {
            options.AddPolicy(attempts, PipelinePosition.PerTry);
        }

        return new(Model, new ApiKeyCredential("not-used-by-the-gateway"), options);
    }

    [Fact]
    public async Task Sdk_CompletesThroughTheGateway_WithTheUsageCharged()
    {
        await using var model = await FakeModelServer.StartAsync(0, CancellationToken.None);
        await using var gateway = await GatewayUnderTest.StartAsync(_ => TestBundles.SupportRefund(model.BaseUrl.ToString().TrimEnd('/')));
        var run = await gateway.StartRunAsync();

        ChatCompletion completion = await Chat(gateway, run).CompleteChatAsync([new UserChatMessage("Refund order A-1, it arrived broken.")], new ChatCompletionOptions { MaxOutputTokenCount = 50 });

        Assert.StartsWith($"[{Model}] plan ", completion.Content[0].Text, StringComparison.Ordinal);
        Assert.Equal(50, completion.Usage.OutputTokenCount);
        Assert.Equal(1, model.Calls);
        using var complete = await gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "success" });
        Assert.Equal(completion.Usage.TotalTokenCount, (await complete.Content.ReadFromJsonAsync<JsonObject>())!["tokens"]!.GetValue<long>());
    }

    [Fact]
    public async Task Sdk_ReadsToolCalls_AndTheToolsReachTheUpstream()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        gateway.Upstream.Script("/v1/chat/completions", _ => new UpstreamReply(200, JsonNode.Parse("""
            {"id":"chatcmpl-t","object":"chat.completion","created":1764000000,"model":"gpt-4o-2024-08-06",
             "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
               "tool_calls":[{"id":"call_1","type":"function","function":{"name":"orders_lookup","arguments":"{\"order_id\":\"A-1\"}"}}]}}],
             "usage":{"prompt_tokens":80,"completion_tokens":12,"total_tokens":92}}
            """)));
        var run = await gateway.StartRunAsync();
        var lookup = ChatTool.CreateFunctionTool("orders_lookup", "Looks up an order.", BinaryData.FromString("""{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}"""));

        ChatCompletion completion = await Chat(gateway, run).CompleteChatAsync([new UserChatMessage("Where is order A-1?")], new ChatCompletionOptions { Tools = { lookup } });

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal(("orders_lookup", "A-1"), (call.FunctionName, JsonNode.Parse(call.FunctionArguments.ToString())!["order_id"]!.GetValue<string>()));
        var sent = JsonNode.Parse(gateway.Upstream.Requests.Single().Body)!;
        Assert.Equal("orders_lookup", sent["tools"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.True(sent["max_completion_tokens"]?.GetValue<long>() > 0 || sent["max_tokens"]?.GetValue<long>() > 0, "no cap was sent upstream");
    }

    [Fact]
    public async Task Sdk_Streams_AndGetsTheWholeAnswer()
    {
        await using var model = await FakeModelServer.StartAsync(0, CancellationToken.None);
        await using var gateway = await GatewayUnderTest.StartAsync(_ => TestBundles.SupportRefund(model.BaseUrl.ToString().TrimEnd('/')));
        var run = await gateway.StartRunAsync();
        var text = new System.Text.StringBuilder();
        var updates = 0;
        ChatFinishReason? finish = null;

        await foreach (var update in Chat(gateway, run).CompleteChatStreamingAsync([new UserChatMessage("Refund order A-1.")], new ChatCompletionOptions { MaxOutputTokenCount = 40 }))
        {
            updates++;
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
        }

        Assert.StartsWith($"[{Model}] plan ", text.ToString(), StringComparison.Ordinal);
        Assert.True(updates > 5, $"only {updates} updates arrived");
        Assert.Equal(ChatFinishReason.Stop, finish);
        using var complete = await gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "success" });
        // Settled from the provider's usage chunk: the fake charges the cap (40) as completion tokens.
        Assert.True((await complete.Content.ReadFromJsonAsync<JsonObject>())!["tokens"]!.GetValue<long>() > 40);
    }

    [Fact]
    public async Task Sdk_Stream_CutByTheBudget_EndsWithLengthAndAnErrorTheSdkSurfaces()
    {
        await using var upstream = await RunawayModelUpstream.StartAsync(chunks: 2_000);
        await using var gateway = await GatewayUnderTest.StartAsync(_ => TestBundles.SupportRefund(upstream.Url, new Budgets { MaxTokensTotal = 150 }));
        var run = await gateway.StartRunAsync();
        var words = 0;
        ChatFinishReason? finish = null;

        var failure = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in Chat(gateway, run).CompleteChatStreamingAsync([new UserChatMessage("Write forever.")]))
            {
                words += update.ContentUpdate.Count;
                finish ??= update.FinishReason;
            }
        });

        Assert.InRange(words, 50, 150);
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Single(upstream.Requests);
        // The SDK either raises the error event or ends the stream at it; either way nothing more arrives.
        if (failure is not null)
        {
            Assert.Contains("maxTokensTotal", failure.Message, StringComparison.Ordinal);
        }

        var record = (await gateway.AuditLinesAsync()).Select(l => JsonNode.Parse(l)!).First(r => r["kind"]!.GetValue<string>() == "model.call");
        Assert.Equal("budget_exceeded", record["decision"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sdk_Refusal_IsAClientResultExceptionWithTheReason()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var run = await gateway.StartRunAsync();
        var client = new ChatClient("gpt-4o", new ApiKeyCredential("unused"), Options(gateway, run));

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(403, refused.Status);
        Assert.Contains("model-pinned", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"pinned to model '{Model}'", refused.Message, StringComparison.Ordinal);
        Assert.Empty(gateway.Upstream.Requests);
    }

    [Fact]
    public async Task Sdk_FinalBudgetRefusal_Is402_SentOnce_WithTheBudgetAndTheReason()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u, new Budgets { MaxTokensTotal = 1_000 }));
        gateway.Upstream.Script("/v1/chat/completions", _ => new UpstreamReply(200, new JsonObject { ["usage"] = new JsonObject { ["prompt_tokens"] = 900, ["completion_tokens"] = 95 } }));
        var run = await gateway.StartRunAsync();
        var attempts = new AttemptLog();
        var client = Chat(gateway, run, attempts);
        await client.CompleteChatAsync([new UserChatMessage("first")]);

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("second")]));
        var ended = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("third")]));

        // System.ClientModel retries 408, 429, 500, 502, 503 and 504 whatever x-should-retry says; 402 it does not.
        Assert.Equal([200, 402, 402], attempts.Statuses);
        Assert.Equal((402, 402), (refused.Status, ended.Status));
        Assert.Contains("maxTokensTotal", refused.Message, StringComparison.Ordinal);
        Assert.Contains("The run has 5 of its 1000 tokens (maxTokensTotal) left", refused.Message, StringComparison.Ordinal);
        Assert.Contains("the run has ended (budget_exceeded)", ended.Message, StringComparison.Ordinal);
        Assert.Contains("1000 tokens", ended.Message, StringComparison.Ordinal);
        Assert.Equal("false", refused.GetRawResponse()!.Headers.TryGetValue("x-should-retry", out var retry) ? retry : null);
        Assert.False(refused.GetRawResponse()!.Headers.TryGetValue("Retry-After", out _));
        Assert.Equal(1, gateway.Upstream.Count("/v1/chat/completions"));
        // Exactly the two refused requests reached the gateway, each audited with its status.
        var refusals = (await gateway.AuditLinesAsync()).Select(l => JsonNode.Parse(l)!)
            .Where(r => r["kind"]!.GetValue<string>() == "model.call" && r["executed"]?.GetValue<bool>() == false).ToList();
        Assert.Equal([(402, "budget_exceeded", "maxTokensTotal"), (402, "budget_exceeded", "maxTokensTotal")],
            refusals.Select(r => (r["status"]!.GetValue<int>(), r["decision"]!.GetValue<string>(), r["rule"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Sdk_Retries429WithRetryAfter_WhileACallInFlightHoldsTheBudget_AndThenSucceeds()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u, new Budgets { MaxTokensTotal = 1_000 }));
        gateway.Upstream.Script("/v1/chat/completions", _ => new UpstreamReply(200, new JsonObject { ["usage"] = new JsonObject { ["prompt_tokens"] = 100, ["completion_tokens"] = 20 } }, TimeSpan.FromMilliseconds(1_200)));
        var run = await gateway.StartRunAsync();
        var second = new AttemptLog();

        // Uncapped, the first call reserves all that the run's 1,000 tokens leave after its prompt.
        var first = Chat(gateway, run).CompleteChatAsync([new UserChatMessage("first")]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (gateway.Upstream.Count("/v1/chat/completions") == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(gateway.Upstream.Count("/v1/chat/completions") == 1, "the first call did not reach the upstream within 10 s");
        ChatCompletion completion = await Chat(gateway, run, second).CompleteChatAsync([new UserChatMessage("second")]);
        await first;

        Assert.Equal(20, completion.Usage.OutputTokenCount);
        Assert.True(second.Statuses.Count > 1, $"the SDK did not retry: {string.Join(", ", second.Statuses)}");
        Assert.Equal(200, second.Statuses[^1]);
        Assert.All(second.Statuses[..^1], status => Assert.Equal(429, status));
        Assert.All(second.RetryAfter[..^1], header => Assert.Equal("1", header));
        Assert.Equal(2, gateway.Upstream.Count("/v1/chat/completions"));
    }

    [Fact]
    public async Task Sdk_ListsThePinnedModels()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();

        var models = await new OpenAIModelClient(new ApiKeyCredential("unused"), Options(gateway, "none")).GetModelsAsync();

        Assert.Equal([Model], models.Value.Select(m => m.Id));
        Assert.Equal("openai", models.Value.Single().OwnedBy);
    }

    /// <summary>Every attempt the SDK sends (its retries included): the status and Retry-After of each answer.</summary>
    private sealed class AttemptLog : PipelinePolicy
    {
        private readonly Lock _gate = new();
        private readonly List<(int Status, string? RetryAfter)> _attempts = [];

        public List<int> Statuses { get { lock (_gate) { return [.. _attempts.Select(a => a.Status)]; } } }

        public List<string?> RetryAfter { get { lock (_gate) { return [.. _attempts.Select(a => a.RetryAfter)]; } } }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            ProcessNext(message, pipeline, currentIndex);
            Record(message);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            await ProcessNextAsync(message, pipeline, currentIndex);
            Record(message);
        }

        private void Record(PipelineMessage message)
        {
            var retryAfter = message.Response!.Headers.TryGetValue("Retry-After", out var value) ? value : null;
            lock (_gate)
            {
                _attempts.Add((message.Response.Status, retryAfter));
            }
        }
    }

    /// <summary>The two headers the gateway reads, added to every request the SDK sends.</summary>
    private sealed class GatewayHeaders(string run, string role) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Add(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Add(message);
            await ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Add(PipelineMessage message)
        {
            message.Request.Headers.Set("X-Agent-Run", run);
            message.Request.Headers.Set("X-Agent-Role", role);
        }
    }
}
