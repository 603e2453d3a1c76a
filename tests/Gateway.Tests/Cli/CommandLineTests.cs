using System.Net;
using System.Text.Json;
using AgentOperator.Gateway.Audit;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RunBudgets;
using Microsoft.Extensions.Logging.Abstractions;
using AgentOperator.Gateway.Cli;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Policy.Bundles;

namespace AgentOperator.Gateway.Tests.Cli;

public sealed class CommandLineTests
{
    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GatewayCommandLine.RunAsync(args, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<string> RecordTrafficAsync(string directory)
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var run = await gateway.StartRunAsync();
        for (var i = 0; i < 3; i++)
        {
            using var lookup = await gateway.CallAsync(run, "orders.lookup", $$"""{"order_id":"A-{{i}}"}""");
        }

        using var refund = await gateway.CallAsync(run, "payments.issue_refund", """{"order_id":"A-1","amount_usd":300}""");
        Assert.Equal(HttpStatusCode.Accepted, refund.StatusCode);
        var lines = await gateway.AuditLinesAsync();
        var copy = Path.Combine(directory, "audit.jsonl");
        await File.WriteAllLinesAsync(copy, lines);
        return copy;
    }

    [Fact]
    public async Task Verify_IntactLog_ExitsZero()
    {
        var directory = Directory.CreateTempSubdirectory("cli").FullName;
        var audit = await RecordTrafficAsync(directory);

        var (code, output, _) = await RunAsync("verify", "--audit", audit);

        Assert.Equal(0, code);
        Assert.StartsWith("ok:", output, StringComparison.Ordinal);
        Directory.Delete(directory, true);
    }

    [Theory]
    [InlineData("edit", 4)]
    [InlineData("drop", 3)]
    [InlineData("reorder", 2)]
    public async Task Verify_TamperedLog_NamesTheFirstBadLine(string tampering, int badLine)
    {
        var directory = Directory.CreateTempSubdirectory("cli").FullName;
        var audit = await RecordTrafficAsync(directory);
        var lines = File.ReadAllLines(audit).ToList();
        switch (tampering)
        {
            case "edit":
                lines[3] = lines[3].Replace("A-1", "A-9", StringComparison.Ordinal);
                break;
            case "drop":
                lines.RemoveAt(2);
                break;
            default:
                (lines[1], lines[2]) = (lines[2], lines[1]);
                break;
        }

        File.WriteAllLines(audit, lines);

        var (code, output, _) = await RunAsync("verify", "--audit", audit);

        Assert.Equal(1, code);
        Assert.StartsWith($"TAMPERED: line {badLine}:", output, StringComparison.Ordinal);
        Directory.Delete(directory, true);
    }

    [Fact]
    public async Task Replay_UnderStricterBundle_PrintsTheChangedDecision()
    {
        var directory = Directory.CreateTempSubdirectory("cli").FullName;
        var audit = await RecordTrafficAsync(directory);
        var stricter = Path.Combine(directory, "stricter.json");
        await File.WriteAllTextAsync(stricter, PolicyBundleJson.Serialize(TestBundles.SupportRefund("http://127.0.0.1:1", refundLimitUsd: 100)));
        var same = Path.Combine(directory, "same.json");
        await File.WriteAllTextAsync(same, PolicyBundleJson.Serialize(TestBundles.SupportRefund("http://127.0.0.1:1")));

        var (changedCode, changed, _) = await RunAsync("replay", "--audit", audit, "--bundle", stricter);
        var (sameCode, unchanged, _) = await RunAsync("replay", "--audit", audit, "--bundle", same);

        Assert.Equal(3, changedCode);
        Assert.Contains("payments.issue_refund (create): NeedsApproval [autonomy] -> Deny [refund-limit]", changed, StringComparison.Ordinal);
        Assert.Contains("4 recorded decisions replayed", changed, StringComparison.Ordinal);
        Assert.Equal(0, sameCode);
        Assert.Contains("0 would change", unchanged, StringComparison.Ordinal);
        Directory.Delete(directory, true);
    }

    [Fact]
    public async Task Replay_FlagsARecordedInputWithARepeatedMember()
    {
        var directory = Directory.CreateTempSubdirectory("cli").FullName;
        var audit = Path.Combine(directory, "audit.jsonl");
        await using (var log = await AuditLog.OpenAsync(audit, NullLogger.Instance, CancellationToken.None))
        {
            // As a gateway before strict parsing recorded it: the schema read "A-1", the upstream "../../admin".
            using var input = JsonDocument.Parse("""{"order_id":"A-1","order_id":"../../admin"}""");
            await log.AppendDurableAsync(new AuditRecord
            {
                Time = DateTimeOffset.UtcNow,
                Kind = AuditKinds.ToolCall,
                Tool = "orders.lookup",
                Action = "read",
                PolicyDecision = nameof(DecisionKind.Allow),
                Decision = "allow",
                Input = input.RootElement.Clone(),
                Run = new RunSnapshot { RunId = "r-1" },
            }, CancellationToken.None);
        }

        var bundle = Path.Combine(directory, "bundle.json");
        await File.WriteAllTextAsync(bundle, PolicyBundleJson.Serialize(TestBundles.SupportRefund("http://127.0.0.1:1")));

        var (code, output, _) = await RunAsync("replay", "--audit", audit, "--bundle", bundle);

        Assert.Equal(3, code);
        Assert.Contains("line 1: orders.lookup (read): the recorded input is ambiguous", output, StringComparison.Ordinal);
        Assert.Contains("/order_id", output, StringComparison.Ordinal);
        Assert.Contains("1 with ambiguous input", output, StringComparison.Ordinal);
        Directory.Delete(directory, true);
    }

    [Fact]
    public async Task Compile_Examples_PrintsABundle_AndBrokenSpecs_PrintEveryErrorWithItsPath()
    {
        var root = FindRepositoryRoot();
        var tools = Directory.GetFiles(Path.Combine(root, "examples", "tools"), "*.yaml");

        var (code, output, _) = await RunAsync(["compile", "--workflow", Path.Combine(root, "examples", "support-refund.yaml"), "--tools", .. tools]);
        var (brokenCode, _, errors) = await RunAsync("compile", "--workflow", Path.Combine(root, "examples", "support-refund.yaml"));

        Assert.Equal(0, code);
        Assert.Equal("support-refund", PolicyBundleJson.Deserialize(output).Workflow.Name);
        Assert.Equal(1, brokenCode);
        Assert.Contains("spec.tools[", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_ExitsTwoWithUsage()
    {
        var (code, _, error) = await RunAsync("frobnicate");

        Assert.Equal(2, code);
        Assert.Contains("usage:", error, StringComparison.Ordinal);
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentOperator.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
