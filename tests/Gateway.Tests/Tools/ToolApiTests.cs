using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Gateway.Tools;

namespace AgentOperator.Gateway.Tests.Tools;

public sealed class ToolApiTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayUnderTest.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task StartRun_Returns201WithRunId()
    {
        var runId = await _gateway.StartRunAsync();

        Assert.StartsWith("run-", runId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTool_Allowed_Returns200WithUpstreamResult()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await _gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("A-1", (await response.Content.ReadFromJsonAsync<JsonObject>())!["echo"]!["order_id"]!.GetValue<string>());
        Assert.Equal(1, _gateway.Upstream.Count("/orders"));
    }

    [Fact]
    public async Task UnknownTool_Returns403Allowlist_AndNeverReachesUpstream()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await _gateway.CallAsync(run, "payments.wire_transfer", """{"amount_usd":1}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("deny", problem["decision"]!.GetValue<string>());
        Assert.Equal("allowlist", problem["rule"]!.GetValue<string>());
        Assert.Empty(_gateway.Upstream.Requests);
    }

    [Fact]
    public async Task WrongType_Returns422WithPointers()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await _gateway.CallAsync(run, "orders.lookup", """{"order_id":42}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("invalid", problem["decision"]!.GetValue<string>());
        Assert.Contains(problem["errors"]!.AsArray(), e => e!["pointer"]!.GetValue<string>() == "/order_id");
        Assert.Empty(_gateway.Upstream.Requests);
    }

    [Fact]
    public async Task MalformedJson_Returns400()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await _gateway.CallAsync(run, "orders.lookup", """{"order_id": """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("request.json", (await ProblemAsync(response))["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task HugeBody_Returns413()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await _gateway.CallAsync(run, "orders.lookup", $$"""{"order_id":"{{new string('x', 70_000)}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request.size", (await ProblemAsync(response))["rule"]!.GetValue<string>());
        Assert.Empty(_gateway.Upstream.Requests);
    }

    [Fact]
    public async Task RateLimit_Returns429WithRetryAfter()
    {
        var run = await _gateway.StartRunAsync();
        for (var i = 0; i < 2; i++)
        {
            using var ok = await _gateway.CallAsync(run, "notes.add", $$"""{"text":"note {{i}}"}""");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await _gateway.CallAsync(run, "notes.add", """{"text":"one too many"}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limited", (await ProblemAsync(limited))["decision"]!.GetValue<string>());
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(2, _gateway.Upstream.Count("/notes"));
    }

    [Fact]
    public async Task PolicyRule_RefundAboveLimit_Returns403WithRuleId()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await _gateway.CallAsync(run, "payments.issue_refund", """{"order_id":"A-1","amount_usd":900}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("refund-limit", (await ProblemAsync(response))["rule"]!.GetValue<string>());
        Assert.Equal(0, await _gateway.CountApprovalsAsync());
    }

    [Fact]
    public async Task IdempotencyKey_SequentialRetries_ExecuteOnce()
    {
        var run = await _gateway.StartRunAsync();

        using var first = await _gateway.CallAsync(run, "tickets.create", """{"subject":"refund"}""", idempotencyKey: "k-1");
        using var second = await _gateway.CallAsync(run, "tickets.create", """{"subject":"refund"}""", idempotencyKey: "k-1");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(1, _gateway.Upstream.Count("/tickets"));
        Assert.Equal(UpstreamIdempotencyKey.Derive(new("support", "support-refund"), run, "tickets.create", "key:k-1"), _gateway.Upstream.Requests.Single().Headers["Idempotency-Key"]);
    }

    [Fact]
    public async Task IdempotencyKey_ConcurrentDuplicates_ExecuteOnce()
    {
        var run = await _gateway.StartRunAsync();
        _gateway.Upstream.Script("/tickets", _ => new UpstreamReply(200, new JsonObject { ["ticket"] = "T-1" }, TimeSpan.FromMilliseconds(200)));

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => _gateway.CallAsync(run, "tickets.create", """{"subject":"refund"}""", idempotencyKey: "k-concurrent")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, _gateway.Upstream.Count("/tickets"));
    }

    [Fact]
    public async Task IdempotencyKey_ReusedWithOtherInput_Returns422()
    {
        var run = await _gateway.StartRunAsync();
        using var first = await _gateway.CallAsync(run, "tickets.create", """{"subject":"a"}""", idempotencyKey: "k-2");

        using var reused = await _gateway.CallAsync(run, "tickets.create", """{"subject":"b"}""", idempotencyKey: "k-2");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("idempotency", (await ProblemAsync(reused))["rule"]!.GetValue<string>());
        Assert.Equal(1, _gateway.Upstream.Count("/tickets"));
    }

    [Fact]
    public async Task UnknownRun_Returns404Problem()
    {
        using var response = await _gateway.CallAsync("run-nope", "orders.lookup", """{"order_id":"A-1"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_gateway.Upstream.Requests);
    }

    [Fact]
    public async Task CompleteRun_CountsOutcome_AndRefusesLaterCalls()
    {
        var run = await _gateway.StartRunAsync();

        using var complete = await _gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "success", evalPassed = true });
        using var late = await _gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}""");

        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
        var metrics = await _gateway.ScrapeMetricsAsync();
        Assert.Contains("agent_runs_total{workflow=\"support-refund\",revision=\"rev0000001\",outcome=\"success\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("agent_eval_pass_ratio{workflow=\"support-refund\",revision=\"rev0000001\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditRecords_RedactInputs_AndChainStaysIntact()
    {
        var run = await _gateway.StartRunAsync();
        using var response = await _gateway.CallAsync(run, "tickets.create", """{"subject":"refund","email":"jane.doe@example.com"}""");

        var lines = await _gateway.AuditLinesAsync();

        Assert.DoesNotContain(lines, l => l.Contains("jane.doe@example.com", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[REDACTED:email]", StringComparison.Ordinal));
        Assert.True((await AgentOperator.Gateway.Audit.AuditVerifier.VerifyAsync(_gateway.AuditPath, CancellationToken.None)).IsIntact);
    }

    [Fact]
    public async Task AgentApi_ListensOnLoopbackOnly()
    {
        Assert.Equal("127.0.0.1", _gateway.Gateway.AgentAddress.Host);
        var external = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (external is null)
        {
            return; // no non-loopback IPv4 address on this machine to try from; the bound host is still asserted above
        }

        using var client = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => client.ConnectAsync(external!, _gateway.Gateway.AgentAddress.Port));
    }
}
