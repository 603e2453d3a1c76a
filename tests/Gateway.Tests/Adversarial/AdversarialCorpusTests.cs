using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.Gateway.Tests.Fakes;

namespace AgentOperator.Gateway.Tests.Adversarial;

/// <summary>
/// The standing adversarial corpus (corpus.json, one theory per surface): each case asserts the status, the
/// problem's rule, reason and pointer, how many requests reached the counting upstream, that every refusal
/// left an audit record, and that nothing made the gateway answer 5xx.
/// </summary>
public sealed class AdversarialCorpusTests(AdversarialGateway fixture) : IClassFixture<AdversarialGateway>
{
    private const string McpAccept = "application/json, text/event-stream";

    private GatewayUnderTest Gateway => fixture.Gateway;

    public static TheoryData<string> Cases(string surface, string? category = null, string? notCategory = null)
    {
        var data = new TheoryData<string>();
        foreach (var c in AdversarialCase.Corpus.Where(c => c.Surface == surface && (category is null || c.Category == category) && (notCategory is null || c.Category != notCategory)))
        {
            data.Add(c.Id);
        }

        return data;
    }

    public static TheoryData<string> ToolCases() => Cases("tool", notCategory: "approvals");

    public static TheoryData<string> ApprovalCases() => Cases("tool", category: "approvals");

    public static TheoryData<string> RunCases() => Cases("run");

    public static TheoryData<string> ModelCases() => Cases("model");

    public static TheoryData<string> McpCases() => Cases("mcp");

    [Fact]
    public void Corpus_HoldsAtLeast150Cases_AcrossEverySurface()
    {
        var corpus = AdversarialCase.Corpus;

        Assert.True(corpus.Count >= 150, $"{corpus.Count} cases");
        Assert.Equal(corpus.Count, corpus.Select(c => c.Id).Distinct().Count());
        Assert.Equal(["mcp", "model", "run", "tool"], corpus.Select(c => c.Surface).Distinct().Order(StringComparer.Ordinal));
        Assert.True(corpus.Count(c => c.Category == "approvals") >= 10);
    }

    [Theory]
    [MemberData(nameof(ToolCases))]
    public Task ToolApi(string id) => RunAsync(AdversarialCase.Named(id));

    [Theory]
    [MemberData(nameof(ApprovalCases))]
    public Task Approvals(string id) => RunAsync(AdversarialCase.Named(id));

    [Theory]
    [MemberData(nameof(RunCases))]
    public Task RunApi(string id) => RunAsync(AdversarialCase.Named(id));

    [Theory]
    [MemberData(nameof(ModelCases))]
    public Task ModelApi(string id) => RunAsync(AdversarialCase.Named(id));

    [Theory]
    [MemberData(nameof(McpCases))]
    public Task McpEndpoint(string id) => RunAsync(AdversarialCase.Named(id));

    private async Task RunAsync(AdversarialCase c)
    {
        var run = await Gateway.StartRunAsync();
        var auditBefore = (await Gateway.AuditLinesAsync()).Length;
        var upstreamBefore = UpstreamCount();
        string? approval = null;
        foreach (var prior in c.Prior)
        {
            var priorRun = prior["newRun"]?.GetValue<bool>() == true ? await Gateway.StartRunAsync() : run;
            using var answer = await SendAsync(c.Surface, prior, priorRun, prior["tool"]?.GetValue<string>() ?? c.Json["tool"]?.GetValue<string>(), null);
            Assert.True((int)answer.StatusCode < 500, $"{c.Id}: prior request answered {(int)answer.StatusCode}");
            if (JsonBody(await answer.Content.ReadAsStringAsync()) is JsonObject { } created && created["approvalId"] is { } approvalId)
            {
                approval = approvalId.GetValue<string>();
            }
        }

        using var response = await SendAsync(c.Surface, c.Json, run, c.Json["tool"]?.GetValue<string>(), approval);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;

        Assert.True(status < 500, $"{c.Id}: the gateway answered {status}: {text}");
        if (c.Status is { } expected)
        {
            Assert.True(expected == status, $"{c.Id}: expected {expected}, got {status}: {Shorten(text)}");
        }

        var problem = c.Surface == "mcp" && status == 200 ? ToolResult(c, text) : JsonBody(text) as JsonObject;
        var effective = c.ToolStatus ?? status;
        if (c.Rule is { } rule)
        {
            Assert.True(problem is not null, $"{c.Id}: the refusal is not a JSON object: {Shorten(text)}");
            Assert.True(rule == problem!["rule"]?.GetValue<string>(), $"{c.Id}: expected rule {rule}: {Shorten(problem.ToJsonString())}");
            Assert.False(string.IsNullOrWhiteSpace(problem["reason"]?.GetValue<string>()), $"{c.Id}: no reason");
            if (c.Surface != "mcp" || status != 200)
            {
                Assert.Contains(response.Content.Headers.ContentType?.MediaType, (string[])["application/problem+json", "application/json"]);
            }
        }

        if (c.JsonPointer is { } pointer)
        {
            var pointers = problem?["errors"]?.AsArray().Select(e => e!["pointer"]!.GetValue<string>()).ToList() ?? [];
            Assert.True(pointers.Contains(pointer), $"{c.Id}: expected pointer {pointer}, got [{string.Join(", ", pointers)}]");
        }

        Assert.True(c.Upstream == UpstreamCount() - upstreamBefore, $"{c.Id}: expected {c.Upstream} upstream request(s), got {UpstreamCount() - upstreamBefore}");
        foreach (var header in c.AbsentUpstreamHeaders)
        {
            Assert.All(Gateway.Upstream.Requests.Skip(upstreamBefore), r => Assert.False(r.Headers.ContainsKey(header), $"{c.Id}: {header} reached the upstream"));
        }

        if (c.Audited && effective >= 400)
        {
            var lines = (await Gateway.AuditLinesAsync()).Skip(auditBefore).ToList();
            Assert.True(lines.Any(l => l.Contains($"\"status\":{effective}", StringComparison.Ordinal)), $"{c.Id}: no audit record with status {effective} among {lines.Count} new line(s)");
        }
    }

    private int UpstreamCount() => Gateway.Upstream.Requests.Count;

    private async Task<HttpResponseMessage> SendAsync(string surface, JsonObject request, string run, string? tool, string? approval)
    {
        var headers = request["headers"]?.AsObject() ?? [];
        var path = request["path"]?.GetValue<string>() switch
        {
            { } explicitPath => explicitPath,
            null => surface switch
            {
                "tool" => $"/v1/runs/{{run}}/tools/{tool}",
                "model" => "/v1/chat/completions",
                "mcp" => "/mcp",
                _ => "/v1/runs",
            },
        };
        path = path.Replace("{run}", run, StringComparison.Ordinal).Replace("{RUN}", run.ToUpperInvariant(), StringComparison.Ordinal);
        var body = AdversarialCase.Body(request);
        using var message = new HttpRequestMessage(HttpMethod.Post, path);
        message.Content = headers.ContainsKey("X-Corpus-Slow") ? new SlowContent(body, TimeSpan.FromMilliseconds(300), 4)
            : headers.ContainsKey("X-Corpus-Chunked") ? new SlowContent(body, TimeSpan.Zero, 8)
            : new ByteArrayContent(body);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (surface is "model" or "mcp" && !headers.ContainsKey("X-Agent-Run"))
        {
            message.Headers.Add("X-Agent-Run", run);
        }

        if (surface == "mcp")
        {
            message.Headers.TryAddWithoutValidation("Accept", McpAccept);
        }

        foreach (var (name, value) in headers)
        {
            var text = value!.GetValue<string>().Replace("{approval}", approval ?? "none", StringComparison.Ordinal);
            if (name.StartsWith("X-Corpus-", StringComparison.Ordinal) || (name == "X-Agent-Run" && text.Length == 0))
            {
                continue;
            }

            if (name == "Content-Type")
            {
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(text);
                continue;
            }

            Assert.True(message.Headers.TryAddWithoutValidation(name, text), name);
        }

        return await Gateway.Http.SendAsync(message);
    }

    private static JsonNode? JsonBody(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The tool's answer inside a JSON-RPC tools/call result (plain JSON or one SSE message), checked against toolStatus.</summary>
    private static JsonObject? ToolResult(AdversarialCase c, string text)
    {
        var json = text.TrimStart().StartsWith('{') ? text
            : string.Join("", text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()));
        var message = JsonBody(json) as JsonObject;
        if (message?["result"] is not JsonObject result || result["content"] is not JsonArray { Count: > 0 } content)
        {
            Assert.True(c.ToolStatus is null, $"{c.Id}: expected a tool result, got {Shorten(text)}");
            return null;
        }

        var inner = JsonBody(content[0]!["text"]!.GetValue<string>()) as JsonObject;
        if (c.ToolStatus is { } toolStatus)
        {
            var isError = result["isError"]?.GetValue<bool>() == true;
            var actual = isError || toolStatus == 202 ? inner?["status"]?.GetValue<JsonElement>() switch
            {
                { ValueKind: JsonValueKind.Number } n => n.GetInt32(),
                { ValueKind: JsonValueKind.String } => 202,
                _ => -1,
            } : 200;
            Assert.True(toolStatus == actual, $"{c.Id}: expected tool status {toolStatus}, got {actual}: {Shorten(text)}");
        }

        return inner;
    }

    private static string Shorten(string text) => text.Length > 600 ? text[..600] + "…" : text;
}
