using System.Text.Json.Nodes;
using AgentOperator.Contracts;

namespace AgentOperator.SampleAgent.Tests;

public sealed class SampleAgentRunnerTests
{
    private static readonly SampleTool Lookup = new("crm.lookup_order", "read", new JsonObject { ["order_id"] = "A-1" });
    private static readonly SampleTool Refund = new("payments.issue_refund", "create", new JsonObject { ["amount_usd"] = 20, ["reason"] = "Damaged" }, new JsonObject { ["amount_usd"] = 500, ["reason"] = "Damaged" });

    private static SampleAgentOptions Options(int maxRuns) => new()
    {
        Seed = 7,
        TasksPerMinute = 0,
        MaxRuns = maxRuns,
        Roles = ["planner", "executor"],
        Tools = [Lookup, Refund],
        TokensPerCall = 128,
        ApprovalPollInterval = TimeSpan.FromMilliseconds(10),
        ApprovalTimeout = TimeSpan.FromSeconds(5),
    };

    private static Task<SampleAgentReport> RunAsync(SampleAgentOptions options, StubGateway gateway) =>
        SampleAgentRunner.RunAsync(options, gateway.Client, TimeProvider.System, log: null, CancellationToken.None);

    [Fact]
    public async Task RunAsync_one_run_calls_start_models_tools_complete_in_order()
    {
        await using var gateway = await StubGateway.StartAsync();

        var report = await RunAsync(Options(1), gateway);

        var requests = gateway.Requests;
        Assert.Equal(
            ["/v1/runs", "/v1/chat/completions", "/v1/chat/completions", "/v1/runs/run-1/tools/crm.lookup_order", "/v1/runs/run-1/tools/payments.issue_refund", "/v1/runs/run-1/complete"],
            requests.Select(r => r.Path));
        Assert.Equal(["planner", "executor"], requests.Skip(1).Take(2).Select(r => r.Header("X-Agent-Role")));
        Assert.All(requests.Skip(1).Take(2), r => Assert.Equal("run-1", r.Header("X-Agent-Run")));
        Assert.All(requests.Skip(1).Take(2), r => Assert.Equal(128, r.Body!["max_tokens"]!.GetValue<int>()));
        Assert.All(requests.Skip(1).Take(2), r => Assert.Null(r.Body!["model"]));
        Assert.Equal(["run-1-0", "run-1-1"], requests.Skip(3).Take(2).Select(r => r.Header("Idempotency-Key")));
        Assert.Equal(["read", "create"], requests.Skip(3).Take(2).Select(r => r.Header("X-Tool-Action")));
        Assert.Equal("A-1", requests[3].Body!["order_id"]!.GetValue<string>());
        // The write carries the action packet (the read does not); decoded it names the tool and the run's task.
        Assert.Null(requests[3].Header(ActionPacket.IntentHeader));
        var intent = Uri.UnescapeDataString(requests[4].Header(ActionPacket.IntentHeader)!);
        Assert.StartsWith("create via payments.issue_refund for the task: ", intent, StringComparison.Ordinal);
        Assert.Contains(gateway.Tasks["run-1"], intent, StringComparison.Ordinal);
        Assert.StartsWith("resolving the task needs this create", Uri.UnescapeDataString(requests[4].Header(ActionPacket.ReasonHeader)!), StringComparison.Ordinal);
        Assert.Equal("success", requests[5].Body!["outcome"]!.GetValue<string>());
        Assert.Equal(1, report.RunsStarted);
        Assert.Equal(new Dictionary<string, int> { ["success"] = 1 }, report.Outcomes);
    }

    [Fact]
    public async Task RunAsync_honours_escalation_failure_and_violation_rates_exactly_per_hundred_runs()
    {
        await using var gateway = await StubGateway.StartAsync();
        var options = Options(200) with { EscalationRate = 0.2, FailureRate = 0.1, ViolationRate = 0.15, Concurrency = 8 };

        var report = await RunAsync(options, gateway);

        Assert.Equal(200, report.RunsStarted);
        Assert.Equal(new Dictionary<string, int> { ["escalated"] = 40, ["failed"] = 20, ["success"] = 140 }, report.Outcomes);
        Assert.Equal(30, report.ViolatingCalls);
        Assert.Equal(0, report.ViolationsAllowed);
        // The violating call is the refund above the cap, refused by the gateway.
        Assert.Equal(30, gateway.Requests.Count(r => r.Body?["amount_usd"]?.GetValue<double>() == 500));
    }

    [Fact]
    public async Task RunAsync_with_the_same_seed_repeats_every_run_and_another_seed_does_not()
    {
        async Task<Dictionary<string, string>> OutcomesByTaskAsync(int seed)
        {
            await using var gateway = await StubGateway.StartAsync();
            await RunAsync(Options(100) with { Seed = seed, EscalationRate = 0.3, Concurrency = 8 }, gateway);
            return gateway.Completions.ToDictionary(c => gateway.Tasks[c.Key], c => c.Value.Outcome);
        }

        var first = await OutcomesByTaskAsync(11);
        var again = await OutcomesByTaskAsync(11);
        var other = await OutcomesByTaskAsync(12);

        Assert.Equal(100, first.Count);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(30, first.Values.Count(o => o == "escalated"));
        Assert.Equal(30, other.Values.Count(o => o == "escalated"));
    }

    [Fact]
    public async Task RunAsync_violation_without_a_violating_input_calls_a_tool_outside_the_allowlist()
    {
        await using var gateway = await StubGateway.StartAsync();
        var options = Options(4) with { Tools = [Lookup], ViolationRate = 1, ForbiddenTool = "hr.delete_employee" };

        var report = await RunAsync(options, gateway);

        Assert.Equal(4, gateway.Requests.Count(r => r.Path.EndsWith("/tools/hr.delete_employee", StringComparison.Ordinal)));
        Assert.Equal(4, report.ViolatingCalls);
        Assert.Equal(new Dictionary<string, int> { ["success"] = 4 }, report.Outcomes);
    }

    [Fact]
    public async Task RunAsync_retries_a_pending_approval_with_its_id_and_the_same_key_until_it_executes()
    {
        await using var gateway = await StubGateway.StartAsync();
        var refundCalls = 0;
        gateway.ToolAnswer = request =>
        {
            if (!request.Path.EndsWith("payments.issue_refund", StringComparison.Ordinal))
            {
                return (200, new JsonObject { ["ok"] = true });
            }

            return ++refundCalls < 3 ? (202, new JsonObject { ["approvalId"] = "approval-9" }) : (200, new JsonObject { ["refundId"] = "R-1" });
        };

        var report = await RunAsync(Options(1), gateway);

        var refunds = gateway.Requests.Where(r => r.Path.EndsWith("payments.issue_refund", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, refunds.Count);
        Assert.Equal([null, "approval-9", "approval-9"], refunds.Select(r => r.Header("X-Approval-Id")));
        Assert.All(refunds, r => Assert.Equal("run-1-1", r.Header("Idempotency-Key")));
        Assert.All(refunds, r => Assert.Equal(20, r.Body!["amount_usd"]!.GetValue<int>()));
        Assert.Equal(1, report.ApprovalsRequested);
        Assert.Equal("success", gateway.Completions["run-1"].Outcome);
    }

    [Fact]
    public async Task RunAsync_approval_that_never_comes_completes_the_run_as_escalated()
    {
        await using var gateway = await StubGateway.StartAsync();
        gateway.ToolAnswer = _ => (202, new JsonObject { ["approvalId"] = "approval-1" });

        await RunAsync(Options(1) with { ApprovalTimeout = TimeSpan.FromMilliseconds(60) }, gateway);

        Assert.Equal("escalated", gateway.Completions["run-1"].Outcome);
        // The first tool never got its approval, so the run stopped there.
        Assert.DoesNotContain(gateway.Requests, r => r.Path.EndsWith("payments.issue_refund", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_denied_ordinary_call_fails_the_run_and_an_escalate_decision_escalates_it()
    {
        await using var gateway = await StubGateway.StartAsync();
        gateway.ToolAnswer = request => request.Path.EndsWith("crm.lookup_order", StringComparison.Ordinal)
            ? (403, new JsonObject { ["decision"] = request.Path.Contains("run-1", StringComparison.Ordinal) ? "deny" : "escalate" })
            : (200, new JsonObject());

        await RunAsync(Options(2) with { Concurrency = 1 }, gateway);

        Assert.Equal("failed", gateway.Completions["run-1"].Outcome);
        Assert.Equal("escalated", gateway.Completions["run-2"].Outcome);
    }

    [Fact]
    public async Task RunAsync_refused_model_role_fails_the_run_before_any_tool_call()
    {
        await using var gateway = await StubGateway.StartAsync();
        gateway.Roles.Remove("executor");

        var report = await RunAsync(Options(1), gateway);

        Assert.DoesNotContain(gateway.Requests, r => r.Path.Contains("/tools/", StringComparison.Ordinal));
        Assert.Equal("failed", gateway.Completions["run-1"].Outcome);
        Assert.Equal(new Dictionary<int, int> { [200] = 1, [403] = 1 }, report.ModelCalls);
    }

    [Fact]
    public async Task RunAsync_paces_runs_by_tasks_per_minute_on_the_time_provider()
    {
        await using var gateway = await StubGateway.StartAsync();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var options = Options(3) with { TasksPerMinute = 2, Roles = [], Tools = [] };

        var running = SampleAgentRunner.RunAsync(options, gateway.Client, time, log: null, CancellationToken.None);
        await WaitForAsync(() => gateway.Completions.Count == 1);
        await Task.Delay(100);
        Assert.Single(gateway.Completions);

        time.Advance(TimeSpan.FromSeconds(30));
        await WaitForAsync(() => gateway.Completions.Count == 2);
        time.Advance(TimeSpan.FromSeconds(30));
        var report = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, report.RunsStarted);
    }

    [Fact]
    public async Task RunAsync_cancelled_stops_starting_runs()
    {
        await using var gateway = await StubGateway.StartAsync();
        using var cancel = new CancellationTokenSource();
        var options = Options(1) with { MaxRuns = null, TasksPerMinute = 600, Roles = [], Tools = [] };

        var running = SampleAgentRunner.RunAsync(options, gateway.Client, TimeProvider.System, log: null, cancel.Token);
        await WaitForAsync(() => gateway.Completions.Count >= 2);
        await cancel.CancelAsync();
        var report = await running.WaitAsync(TimeSpan.FromSeconds(10));
        var started = gateway.Requests.Count(r => r.Path == "/v1/runs");
        await Task.Delay(300);

        Assert.Equal(started, gateway.Requests.Count(r => r.Path == "/v1/runs"));
        Assert.Equal(started, report.RunsStarted);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "the condition did not hold within 5 s");
    }
}
