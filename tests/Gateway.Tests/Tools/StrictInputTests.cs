using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Gateway.Tests.Fakes;

namespace AgentOperator.Gateway.Tests.Tools;

/// <summary>
/// Input that readers would interpret differently (a repeated member, invalid UTF-8, a lone surrogate) is refused
/// by every surface with 400 problem+json at its pointer, audited, without budget and without reaching an upstream.
/// </summary>
public sealed class StrictInputTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayUnderTest.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string, byte[], string> Bodies() => new()
    {
        { "duplicate member", """{"order_id":"A-1","order_id":"../../admin"}"""u8.ToArray(), "/order_id" },
        { "lone surrogate", """{"order_id":"\ud800"}"""u8.ToArray(), "/order_id" },
        { "invalid UTF-8", [.. "{\"order_id\":\"A-"u8, 0xC3, 0x28, .. "\"}"u8], "/order_id" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Tool_call_with_ambiguous_input_is_400_at_its_pointer_audited_free_and_never_upstream(string kind, byte[] body, string at)
    {
        var run = await _gateway.StartRunAsync();

        using var response = await PostAsync($"/v1/runs/{run}/tools/orders.lookup", body);

        await AssertRefusedAsync(response, at, kind);
        Assert.Contains(await _gateway.AuditLinesAsync(), l => l.Contains("\"kind\":\"tool.call\"", StringComparison.Ordinal) && l.Contains("\"status\":400", StringComparison.Ordinal));
        await AssertNothingChargedAsync(run);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Model_call_with_ambiguous_input_is_400_audited_free_and_never_upstream(string kind, byte[] body, string at)
    {
        var run = await _gateway.StartRunAsync();
        var chat = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-2024-08-06","messages":[],"metadata":""").Concat(body).Append((byte)'}').ToArray();

        using var response = await PostAsync("/v1/chat/completions", chat, run);

        await AssertRefusedAsync(response, "/metadata" + at, kind);
        Assert.Contains(await _gateway.AuditLinesAsync(), l => l.Contains("\"kind\":\"model.call\"", StringComparison.Ordinal) && l.Contains("\"status\":400", StringComparison.Ordinal));
        await AssertNothingChargedAsync(run);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Mcp_call_with_ambiguous_arguments_is_400_audited_free_and_never_upstream(string kind, byte[] body, string at)
    {
        var run = await _gateway.StartRunAsync();
        var rpc = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"orders.lookup","arguments":""").Concat(body).Concat("}}"u8.ToArray()).ToArray();

        using var response = await PostAsync("/mcp", rpc, run);

        await AssertRefusedAsync(response, "/params/arguments" + at, kind);
        Assert.Contains(await _gateway.AuditLinesAsync(), l => l.Contains("\"kind\":\"request.rejected\"", StringComparison.Ordinal) && l.Contains("\"status\":400", StringComparison.Ordinal));
        await AssertNothingChargedAsync(run);
    }

    [Fact]
    public async Task Run_start_with_a_repeated_member_is_400_and_audited()
    {
        using var response = await PostAsync("/v1/runs", """{"task":"a","task":"b"}"""u8.ToArray());

        await AssertRefusedAsync(response, "/task", "duplicate member");
        Assert.Contains(await _gateway.AuditLinesAsync(), l => l.Contains("\"kind\":\"request.rejected\"", StringComparison.Ordinal) && l.Contains("\"status\":400", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Oversized_model_request_is_413_naming_the_limit_as_problem_and_openai_error()
    {
        var run = await _gateway.StartRunAsync();
        var limit = new GatewayOptions().MaxModelRequestBodyBytes;
        var body = Encoding.UTF8.GetBytes("{\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', limit) + "\"}]}");

        using var response = await PostAsync("/v1/chat/completions", body, run, chunked: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("request.size", problem["rule"]!.GetValue<string>());
        Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), problem["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), problem["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", problem["error"]!["type"]!.GetValue<string>());
        Assert.Equal("request.size", problem["error"]!["code"]!.GetValue<string>());
        Assert.Empty(_gateway.Upstream.Requests);
        await AssertNothingChargedAsync(run);
    }

    [Fact]
    public async Task Oversized_mcp_request_is_413_naming_the_limit()
    {
        var limit = new GatewayOptions().MaxMcpRequestBodyBytes;
        var body = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + new string('x', limit) + "\"}}");

        using var response = await PostAsync("/mcp", body, chunked: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), problem["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(await _gateway.AuditLinesAsync(), l => l.Contains("\"kind\":\"request.rejected\"", StringComparison.Ordinal) && l.Contains("\"status\":413", StringComparison.Ordinal));
    }

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] body, string? run = null, bool chunked = false)
    {
        // A chunked body has no Content-Length: the limit is found while reading, where Kestrel's own limit used to answer first.
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TransferEncodingChunked = chunked ? true : null;
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (run is not null)
        {
            request.Headers.Add("X-Agent-Run", run);
            request.Headers.Add("X-Agent-Role", "executor");
        }

        return await _gateway.Http.SendAsync(request);
    }

    private async Task AssertRefusedAsync(HttpResponseMessage response, string at, string kind)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("request.json", problem["rule"]!.GetValue<string>());
        Assert.Equal(at, problem["errors"]![0]!["pointer"]!.GetValue<string>());
        Assert.Contains(kind is "duplicate member" ? "more than once" : kind, problem["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(_gateway.Upstream.Requests);
    }

    private async Task AssertNothingChargedAsync(string run)
    {
        using var complete = await _gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "success" });
        var usage = (await complete.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(0, usage["toolCalls"]!.GetValue<int>());
        Assert.Equal(0, usage["steps"]!.GetValue<int>());
    }
}
