using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Gateway.Tests.Fakes;

namespace AgentOperator.Gateway.Tests.Telemetry;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Made_up_tool_names_share_one_label_value_so_series_stay_bounded()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var run = await gateway.StartRunAsync();
        using var known = await gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}""");

        // Some are refused by the allowlist, the rest after the run's tool-call budget ended it: both paths count.
        for (var batch = 0; batch < 2000; batch += 50)
        {
            var calls = Enumerable.Range(batch, 50).Select(async i =>
            {
                using var response = await gateway.CallAsync(run, $"made.up.tool-{i}", "{}");
                Assert.True((int)response.StatusCode < 500);
            });
            await Task.WhenAll(calls);
        }

        var text = await gateway.ScrapeMetricsAsync();

        var series = text.Split('\n').Where(l => l.StartsWith(AgentOperator.Contracts.AgentMetrics.ToolCalls + "{", StringComparison.Ordinal)).ToList();
        Assert.InRange(series.Count, 1, 8);
        Assert.DoesNotContain("made.up.tool", text, StringComparison.Ordinal);
        Assert.Contains(series, l => l.Contains("tool=\"(unknown)\"", StringComparison.Ordinal));
        Assert.Contains(series, l => l.Contains("tool=\"orders.lookup\"", StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Upstream.Requests, r => r.Path.Contains("made", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_ExposeTheDesignNames_AfterTraffic()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var run = await gateway.StartRunAsync();
        using var allowed = await gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}""");
        using var denied = await gateway.CallAsync(run, "payments.issue_refund", """{"order_id":"A-1","amount_usd":9000}""");
        using var escalated = await gateway.CallAsync(run, "payments.issue_refund", """{"order_id":"A-1","amount_usd":10}""");
        gateway.Upstream.Script("/tickets", _ => new UpstreamReply(404, null));
        using var error = await gateway.CallAsync(run, "tickets.create", """{"subject":"x"}""");
        using var complete = await gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "escalated", evalPassed = false });

        var text = await gateway.ScrapeMetricsAsync();

        foreach (var name in new[]
        {
            "agent_runs_total", "agent_tool_calls_total", "agent_policy_violations_total", "agent_escalations_total",
            "agent_run_duration_seconds_bucket", "agent_tool_call_duration_seconds_bucket", "agent_eval_pass_ratio",
        })
        {
            Assert.Contains($"\n{name}{{", "\n" + text, StringComparison.Ordinal);
        }

        Assert.Contains("# TYPE agent_tokens_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE agent_cost_usd_total counter", text, StringComparison.Ordinal);
        foreach (var decision in new[] { "allow", "deny", "escalate", "error" })
        {
            Assert.Contains($"decision=\"{decision}\"", text, StringComparison.Ordinal);
        }

        Assert.Contains("agent_policy_violations_total{workflow=\"support-refund\",revision=\"rev0000001\",rule=\"refund-limit\"} 1", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
    }

    [Fact]
    public async Task A_call_waiting_for_approval_is_an_escalation_not_a_policy_violation_and_a_denied_call_is_one()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var run = await gateway.StartRunAsync();
        using var http = new HttpClient { BaseAddress = gateway.Gateway.MetricsAddress };

        using var escalated = await gateway.CallAsync(run, "payments.issue_refund", """{"order_id":"A-1","amount_usd":10}""");
        var polled = await escalated.Content.ReadFromJsonAsync<JsonObject>();
        using var pending = await gateway.CallAsync(run, "payments.issue_refund", """{"order_id":"A-1","amount_usd":10}""", approvalId: (string?)polled!["approvalId"]);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (escalated.StatusCode, pending.StatusCode));
        var text = await gateway.ScrapeMetricsAsync();
        Assert.Contains("agent_escalations_total{workflow=\"support-refund\",revision=\"rev0000001\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("agent_tool_calls_total{workflow=\"support-refund\",revision=\"rev0000001\",tool=\"payments.issue_refund\",decision=\"escalate\"} 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\nagent_policy_violations_total{", "\n" + text, StringComparison.Ordinal);
        var waiting = (await http.GetFromJsonAsync<JsonObject>(AgentOperator.Contracts.GatewayAggregates.Path))!["revisions"]!.AsArray().Single()!;
        Assert.Equal(1, waiting["escalations"]!.GetValue<long>());
        Assert.Empty(waiting["violationsByRule"]!.AsObject());

        using var denied = await gateway.CallAsync(run, "payments.issue_refund", """{"order_id":"A-1","amount_usd":9000}""");

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("agent_policy_violations_total{workflow=\"support-refund\",revision=\"rev0000001\",rule=\"refund-limit\"} 1", await gateway.ScrapeMetricsAsync(), StringComparison.Ordinal);
        var refused = (await http.GetFromJsonAsync<JsonObject>(AgentOperator.Contracts.GatewayAggregates.Path))!["revisions"]!.AsArray().Single()!;
        Assert.Equal(1, refused["violationsByRule"]!["refund-limit"]!.GetValue<long>());
        Assert.Equal(1, refused["escalations"]!.GetValue<long>());
    }

    [Fact]
    public async Task Aggregates_AndHealth_AreServedOnTheMetricsPort()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var run = await gateway.StartRunAsync();
        using var call = await gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}""");
        using var complete = await gateway.Http.PostAsJsonAsync($"/v1/runs/{run}/complete", new { outcome = "success" });
        using var http = new HttpClient { BaseAddress = gateway.Gateway.MetricsAddress };

        var aggregates = await http.GetFromJsonAsync<JsonObject>("/v1/aggregates");
        var health = await http.GetStringAsync("/healthz");

        var revision = aggregates!["revisions"]!.AsArray().Single()!;
        Assert.Equal("rev0000001", revision["revision"]!.GetValue<string>());
        Assert.Equal(1, revision["runsByOutcome"]!["success"]!.GetValue<long>());
        Assert.Equal(1, revision["toolCallsByDecision"]!["allow"]!.GetValue<long>());
        Assert.Equal("ok", health);
    }
}
