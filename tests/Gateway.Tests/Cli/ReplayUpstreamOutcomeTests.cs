using System.Net;
using System.Text.Json;
using AgentOperator.Gateway.Audit;
using AgentOperator.Gateway.Cli;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RunBudgets;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Gateway.Tests.Cli;

/// <summary>Replay compares policy decisions: what the upstream did after an Allow is not a decision that can change.</summary>
public sealed class ReplayUpstreamOutcomeTests
{
    [Fact]
    public async Task Replay_UnderTheIdenticalBundle_ReportsNoChange_ForCallsTheUpstreamFailed()
    {
        var directory = Directory.CreateTempSubdirectory("replay").FullName;
        string bundle;
        string audit;
        await using (var gateway = await GatewayUnderTest.StartAsync(upstream =>
        {
            var refund = TestBundles.SupportRefund(upstream);
            // orders.lookup points at a port nothing listens on: every call is Allow, then upstream.unreachable.
            return refund with { Tools = [.. refund.Tools.Select(t => t.Name == "orders.lookup" ? t with { Upstream = t.Upstream with { Url = "http://127.0.0.1:1/orders", MaxAttempts = 1 } } : t)] };
        }))
        {
            gateway.Upstream.Script("/tickets", _ => new UpstreamReply(500, null));
            var run = await gateway.StartRunAsync();
            using (var unreachable = await gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}"""))
            {
                Assert.Equal(HttpStatusCode.BadGateway, unreachable.StatusCode);
            }

            using (var rejected = await gateway.CallAsync(run, "tickets.create", """{"subject":"refund"}"""))
            {
                Assert.Equal(HttpStatusCode.BadGateway, rejected.StatusCode);
            }

            var lines = await gateway.AuditLinesAsync();
            Assert.Contains(lines, l => l.Contains("\"rule\":\"upstream.unreachable\"", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"rule\":\"upstream.rejected\"", StringComparison.Ordinal));
            audit = Path.Combine(directory, "audit.jsonl");
            await File.WriteAllLinesAsync(audit, lines);
            bundle = Path.Combine(directory, "bundle.json");
            File.Copy(gateway.BundlePath, bundle);
        }

        var (code, output) = await ReplayAsync(audit, bundle);

        Assert.True(code == 0, output);
        Assert.Contains("2 recorded decisions replayed", output, StringComparison.Ordinal);
        Assert.Contains("0 would change", output, StringComparison.Ordinal);
        Directory.Delete(directory, true);
    }

    [Fact]
    public async Task Replay_OfALogWrittenBeforePolicyRule_TakesAnAllowWithAnUpstreamRule_AsAnAllow()
    {
        var directory = Directory.CreateTempSubdirectory("replay").FullName;
        var audit = Path.Combine(directory, "audit.jsonl");
        await using (var log = await AuditLog.OpenAsync(audit, NullLogger.Instance, CancellationToken.None))
        {
            using var input = JsonDocument.Parse("""{"order_id":"A-1"}""");
            await log.AppendDurableAsync(new AuditRecord
            {
                Time = DateTimeOffset.UtcNow,
                Kind = AuditKinds.ToolCall,
                Tool = "orders.lookup",
                Action = "read",
                Decision = "error",
                Rule = "upstream.unreachable",
                PolicyDecision = nameof(DecisionKind.Allow),
                Input = input.RootElement.Clone(),
                Run = new RunSnapshot { RunId = "r-1" },
            }, CancellationToken.None);
        }

        var bundle = Path.Combine(directory, "bundle.json");
        await File.WriteAllTextAsync(bundle, Policy.Bundles.PolicyBundleJson.Serialize(TestBundles.SupportRefund("http://127.0.0.1:1")));

        var (code, output) = await ReplayAsync(audit, bundle);

        Assert.True(code == 0, output);
        Assert.DoesNotContain("->", output, StringComparison.Ordinal);
        Directory.Delete(directory, true);
    }

    private static async Task<(int Code, string Output)> ReplayAsync(string audit, string bundle)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GatewayCommandLine.RunAsync(["replay", "--audit", audit, "--bundle", bundle], output, error, CancellationToken.None);
        return (code, output + error.ToString());
    }
}
