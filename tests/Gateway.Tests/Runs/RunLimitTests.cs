using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Gateway.Tests.Fakes;

namespace AgentOperator.Gateway.Tests.Runs;

public sealed class RunLimitTests
{
    [Fact]
    public async Task A_start_beyond_the_open_run_limit_is_429_with_a_reason_and_audited_until_a_run_completes()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(configure: o => o with { MaxOpenRuns = 2 });
        var first = await gateway.StartRunAsync();
        await gateway.StartRunAsync();

        using var refused = await gateway.Http.PostAsJsonAsync("/v1/runs", new { task = "third" });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("runs.open", problem["rule"]!.GetValue<string>());
        Assert.Contains("--max-open-runs", problem["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(await gateway.AuditLinesAsync(), l => l.Contains("\"kind\":\"request.rejected\"", StringComparison.Ordinal) && l.Contains("\"status\":429", StringComparison.Ordinal));

        using var complete = await gateway.Http.PostAsJsonAsync($"/v1/runs/{first}/complete", new { outcome = "success" });
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        await gateway.StartRunAsync();
    }

    [Fact]
    public async Task An_idle_run_expires_as_failed_with_an_audit_record_and_frees_its_place()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(configure: o => o with { MaxOpenRuns = 1, RunIdleTimeout = TimeSpan.FromSeconds(1) });
        var idle = await gateway.StartRunAsync();

        // No request comes: the sweep alone ends the run.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string[] lines;
        do
        {
            await Task.Delay(200);
            lines = await gateway.AuditLinesAsync();
        }
        while (!lines.Any(l => l.Contains("\"kind\":\"run.completed\"", StringComparison.Ordinal)) && DateTime.UtcNow < deadline);

        var completed = Assert.Single(lines, l => l.Contains("\"kind\":\"run.completed\"", StringComparison.Ordinal));
        Assert.Contains($"\"runId\":\"{idle}\"", completed, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"failed\"", completed, StringComparison.Ordinal);
        Assert.Contains("\"rule\":\"run.idle-timeout\"", completed, StringComparison.Ordinal);
        using var late = await gateway.CallAsync(idle, "orders.lookup", """{"order_id":"A-1"}""");
        Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
        Assert.Empty(gateway.Upstream.Requests);
        await gateway.StartRunAsync();
    }
}
