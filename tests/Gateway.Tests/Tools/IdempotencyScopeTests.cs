using System.Net;
using System.Security.Cryptography;
using System.Text;
using AgentOperator.Gateway.Tests.Fakes;

namespace AgentOperator.Gateway.Tests.Tools;

/// <summary>The Idempotency-Key an upstream sees is scoped to (workflow, run, tool); the agent's own key never reaches it.</summary>
public sealed class IdempotencyScopeTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayUnderTest.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task SameKey_FromTwoRuns_ReachesTheUpstreamTwice_UnderTwoDifferentKeys()
    {
        var first = await _gateway.StartRunAsync();
        var second = await _gateway.StartRunAsync();

        using var a = await _gateway.CallAsync(first, "tickets.create", """{"subject":"refund"}""", idempotencyKey: "retry-1");
        using var b = await _gateway.CallAsync(second, "tickets.create", """{"subject":"refund"}""", idempotencyKey: "retry-1");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (a.StatusCode, b.StatusCode));
        var keys = _gateway.Upstream.Requests.Select(r => r.Headers["Idempotency-Key"]).ToList();
        Assert.Equal(2, keys.Count);
        Assert.NotEqual(keys[0], keys[1]);
        Assert.DoesNotContain("retry-1", keys);
    }

    [Fact]
    public async Task SameKey_OnTwoTools_OfOneRun_ReachesEachUpstreamUnderItsOwnKey()
    {
        var run = await _gateway.StartRunAsync();

        using var ticket = await _gateway.CallAsync(run, "tickets.create", """{"subject":"refund"}""", idempotencyKey: "k");
        using var note = await _gateway.CallAsync(run, "notes.add", """{"text":"refund"}""", idempotencyKey: "k");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (ticket.StatusCode, note.StatusCode));
        Assert.NotEqual(_gateway.Upstream.Requests.Single(r => r.Path == "/tickets").Headers["Idempotency-Key"], _gateway.Upstream.Requests.Single(r => r.Path == "/notes").Headers["Idempotency-Key"]);
    }

    [Fact]
    public async Task ForwardedKey_IsTheDocumentedDerivation()
    {
        var run = await _gateway.StartRunAsync();

        using var response = await _gateway.CallAsync(run, "tickets.create", """{"subject":"refund"}""", idempotencyKey: "k-7");

        // README "Idempotency": ao1- + hex SHA-256 of "agentoperator.io/idempotency/v1\n{namespace}\n{workflow}\n{run}\n{tool}\nkey:{key}".
        var expected = "ao1-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"agentoperator.io/idempotency/v1\nsupport\nsupport-refund\n{run}\ntickets.create\nkey:k-7")));
        Assert.Equal(expected, _gateway.Upstream.Requests.Single().Headers["Idempotency-Key"]);
    }

    [Fact]
    public async Task KeyReused_WithAnotherInput_InTheSameRunAndTool_Is422_AndReachesTheUpstreamOnce()
    {
        var run = await _gateway.StartRunAsync();

        using var first = await _gateway.CallAsync(run, "tickets.create", """{"subject":"a"}""", idempotencyKey: "k-x");
        using var reused = await _gateway.CallAsync(run, "tickets.create", """{"subject":"b"}""", idempotencyKey: "k-x");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Contains("\"rule\":\"idempotency\"", await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, _gateway.Upstream.Count("/tickets"));
        Assert.Contains(await _gateway.AuditLinesAsync(), l => l.Contains("\"rule\":\"idempotency\"", StringComparison.Ordinal));
    }
}
