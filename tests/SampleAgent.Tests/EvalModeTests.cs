using System.Text.Json.Nodes;

namespace AgentOperator.SampleAgent.Tests;

public sealed class EvalModeTests : IDisposable
{
    private readonly string _terminationLog = Path.Combine(Path.GetTempPath(), $"sample-agent-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_terminationLog);

    private SampleAgentOptions Options(double passRate) => new()
    {
        Mode = AgentMode.Eval,
        Seed = 3,
        EvalTasks = 20,
        EvalPassRate = passRate,
        TerminationMessagePath = _terminationLog,
        Tools = [new("crm.lookup_order", "read", new JsonObject { ["order_id"] = "A-1" })],
    };

    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(0.75, "0.75")]
    [InlineData(0.0, "0")]
    public async Task RunAsync_without_a_gateway_writes_the_configured_pass_ratio(double passRate, string expected)
    {
        var report = await SampleAgentRunner.RunAsync(Options(passRate), gateway: null, TimeProvider.System, log: null, CancellationToken.None);

        Assert.Equal(expected, await File.ReadAllTextAsync(_terminationLog));
        Assert.Equal(passRate, report.EvalPassRatio);
    }

    [Fact]
    public async Task RunAsync_through_a_gateway_reports_each_task_with_evalPassed()
    {
        await using var gateway = await StubGateway.StartAsync();

        var report = await SampleAgentRunner.RunAsync(Options(0.75), gateway.Client, TimeProvider.System, log: null, CancellationToken.None);

        Assert.Equal("0.75", await File.ReadAllTextAsync(_terminationLog));
        var completions = gateway.Completions.Values.ToList();
        Assert.Equal(20, completions.Count);
        Assert.Equal(15, completions.Count(c => c is { Outcome: "success", EvalPassed: true }));
        Assert.Equal(5, completions.Count(c => c is { Outcome: "failed", EvalPassed: false }));
        Assert.Equal(0.75, report.EvalPassRatio);
    }

    [Fact]
    public async Task RunAsync_through_a_gateway_that_denies_the_tools_fails_every_task()
    {
        await using var gateway = await StubGateway.StartAsync();
        gateway.AllowedTools.Clear();

        await SampleAgentRunner.RunAsync(Options(1), gateway.Client, TimeProvider.System, log: null, CancellationToken.None);

        Assert.Equal("0", await File.ReadAllTextAsync(_terminationLog));
    }

    [Fact]
    public async Task RunAsync_WriteThatNeedsApproval_TaskPassesWithoutWaitingForAHuman()
    {
        await using var gateway = await StubGateway.StartAsync();
        gateway.ToolAnswer = request => request.Path.EndsWith("/payments.issue_refund", StringComparison.Ordinal)
            ? (202, new JsonObject { ["approvalId"] = "approval-1" })
            : (200, new JsonObject { ["ok"] = true });
        var options = Options(1) with
        {
            EvalTasks = 4,
            Tools = [new("payments.issue_refund", "create", new JsonObject { ["amount_usd"] = 35 })],
            ApprovalTimeout = TimeSpan.FromMinutes(5),
        };

        var report = await SampleAgentRunner.RunAsync(options, gateway.Client, TimeProvider.System, log: null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("1", await File.ReadAllTextAsync(_terminationLog));
        Assert.Equal(4, gateway.Requests.Count(r => r.Path.EndsWith("/payments.issue_refund", StringComparison.Ordinal)));
        Assert.Equal(4, report.ApprovalsRequested);
    }

    [Fact]
    public async Task RunAsync_RateLimitedTool_TaskWaitsItOutAndPasses()
    {
        await using var gateway = await StubGateway.StartAsync();
        var calls = 0;
        gateway.ToolAnswer = _ => Interlocked.Increment(ref calls) == 2
            ? (429, new JsonObject { ["decision"] = "rate_limited", ["rule"] = "rateLimit" })
            : (200, new JsonObject { ["ok"] = true });
        var options = Options(1) with { EvalTasks = 3 };

        await SampleAgentRunner.RunAsync(options, gateway.Client, TimeProvider.System, log: null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("1", await File.ReadAllTextAsync(_terminationLog));
        Assert.Equal(4, calls);
    }

    [Fact]
    public async Task RunAsync_Suite_NamedInEveryTask()
    {
        await using var gateway = await StubGateway.StartAsync();

        await SampleAgentRunner.RunAsync(Options(1) with { EvalTasks = 2, EvalSuite = "refunds" }, gateway.Client, TimeProvider.System, log: null, CancellationToken.None);

        Assert.All(gateway.Tasks.Values, task => Assert.StartsWith("[eval refunds] ", task, StringComparison.Ordinal));
    }
}
