using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Tests.Fakes;

namespace AgentOperator.Gateway.Tests.Runs;

public sealed class BudgetTests
{
    [Fact]
    public async Task MaxToolCalls_Exhausted_TerminatesTheRun_With402AndTheBudgetName()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u, new Budgets { MaxToolCalls = 3 }));
        var run = await gateway.StartRunAsync();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}""");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}""");
        using var after = await gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}""");

        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Null(refused.Headers.RetryAfter);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("budget_exceeded", problem["decision"]!.GetValue<string>());
        Assert.Equal("maxToolCalls", problem["rule"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.PaymentRequired, after.StatusCode);
        Assert.Equal(3, gateway.Upstream.Count("/orders"));
        Assert.Contains("agent_runs_total{workflow=\"support-refund\",revision=\"rev0000001\",outcome=\"budget_exceeded\"} 1", await gateway.ScrapeMetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentCalls_CannotOverspendTheBudget()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u, new Budgets { MaxToolCalls = 5 }));
        gateway.Upstream.Script("/orders", _ => new UpstreamReply(200, new JsonObject { ["ok"] = true }, TimeSpan.FromMilliseconds(100)));
        var run = await gateway.StartRunAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => gateway.CallAsync(run, "orders.lookup", $$"""{"order_id":"A-{{i}}"}""")));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(35, responses.Count(r => r.StatusCode == HttpStatusCode.PaymentRequired));
        Assert.Equal(5, gateway.Upstream.Count("/orders"));
    }
}
