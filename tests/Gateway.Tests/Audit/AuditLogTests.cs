using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Audit;
using AgentOperator.Policy.RunBudgets;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Gateway.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"audit-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(_path);

    private async Task WriteAsync(int count, int writers = 1)
    {
        await using var log = await AuditLog.OpenAsync(_path, NullLogger.Instance, CancellationToken.None);
        await Parallel.ForAsync(0, writers, async (w, ct) =>
        {
            for (var i = 0; i < count / writers; i++)
            {
                log.Append(new AuditRecord { Time = DateTimeOffset.UnixEpoch.AddSeconds(i), Kind = AuditKinds.ToolCall, Tool = $"t{w}", Reason = $"call {i} of writer {w} with unicode \u00e9\u202e" });
            }

            await Task.Yield();
        });
        await log.FlushAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Verify_IntactLogFromConcurrentWriters_IsIntact()
    {
        await WriteAsync(400, writers: 8);

        var result = await AuditVerifier.VerifyAsync(_path, CancellationToken.None);

        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(400, result.Records);
        Assert.Equal(400, File.ReadAllLines(_path).Length);
    }

    [Fact]
    public async Task Reopen_ContinuesTheChain()
    {
        await WriteAsync(3);
        await WriteAsync(3);

        var result = await AuditVerifier.VerifyAsync(_path, CancellationToken.None);

        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(6, result.Records);
    }

    [Fact]
    public async Task Verify_EditedRecord_NamesThatLine()
    {
        await WriteAsync(10);
        var lines = File.ReadAllLines(_path);
        lines[4] = lines[4].Replace("call 4", "call 5", StringComparison.Ordinal);
        File.WriteAllLines(_path, lines);

        var result = await AuditVerifier.VerifyAsync(_path, CancellationToken.None);

        Assert.Equal(5, result.FirstBadLine);
        Assert.Contains("edited", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DroppedRecord_NamesTheLineWhereItWas()
    {
        await WriteAsync(10);
        var lines = File.ReadAllLines(_path).ToList();
        lines.RemoveAt(6);
        File.WriteAllLines(_path, lines);

        var result = await AuditVerifier.VerifyAsync(_path, CancellationToken.None);

        Assert.Equal(7, result.FirstBadLine);
        Assert.Contains("dropped", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ReorderedRecords_NamesTheFirstMovedLine()
    {
        await WriteAsync(10);
        var lines = File.ReadAllLines(_path);
        (lines[2], lines[3]) = (lines[3], lines[2]);
        File.WriteAllLines(_path, lines);

        var result = await AuditVerifier.VerifyAsync(_path, CancellationToken.None);

        Assert.Equal(3, result.FirstBadLine);
    }

    [Fact]
    public async Task Verify_RecordResealedAfterEdit_BreaksTheChainAtTheNextLine()
    {
        await WriteAsync(5);
        var lines = File.ReadAllLines(_path);
        Assert.True(AuditChain.TryOpen(lines[1], out var body, out _));
        var forged = body.Replace("call 1", "call 9", StringComparison.Ordinal);
        lines[1] = forged[..^1] + ",\"sha256\":\"" + AuditChain.HashBody(forged) + "\"}";
        File.WriteAllLines(_path, lines);

        var result = await AuditVerifier.VerifyAsync(_path, CancellationToken.None);

        Assert.Equal(3, result.FirstBadLine);
        Assert.Contains("prev", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstRecord_CarriesTheGenesisHash()
    {
        await WriteAsync(1);

        var line = File.ReadAllLines(_path).Single();

        Assert.Contains($"\"prev\":\"{AuditChain.GenesisSha256}\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Line_OfARecordWithEveryMemberSet_IsWhatTheSerializerWrites()
    {
        // Every member set, so a member added to the record (or to the run snapshot) and not to the log's writer fails here.
        var record = new AuditRecord
        {
            Time = new DateTimeOffset(2025, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2)),
            Kind = AuditKinds.ToolCall,
            Workflow = "support",
            Revision = "rev0000001",
            BundleSha256 = new string('a', 64),
            RunId = "run-1",
            Tool = "payments.issue_refund",
            Action = "create",
            Decision = "escalate",
            Rule = "refund-limit",
            PolicyDecision = "NeedsApproval",
            PolicyRule = "refund-cap",
            Reason = "a <reason> with \"quotes\", unicode \u00e9\u202e and a \\",
            AgentIntent = "refund A-1 \u2014 \"damaged\"",
            AgentReason = "customer <sent> a photo",
            Status = 202,
            Input = JsonDocument.Parse("""{"order_id":"A-1","amount_usd":1e3,"note":"caf\u00e9 <b>","items":[1,2.50,null,true]}""").RootElement.Clone(),
            InputSha256 = new string('b', 64),
            InputBytes = 77,
            Run = new RunSnapshot { RunId = "run-1", Task = "refund A-1", Steps = 2, ToolCalls = 3, Tokens = 1234, CostUsd = 0.125, ElapsedSeconds = 1.5e-3, TerminatedBy = "maxToolCalls" },
            Approvers = ["alice", "bob"],
            IdempotencyKey = "key-1",
            ApprovalId = "appr-1",
            Executed = false,
            Role = "executor",
            Model = "gpt-4o",
            InputTokens = 10,
            OutputTokens = 20,
            CostUsd = 0.0001m,
            MaxCompletionTokens = 3988,
            Streamed = true,
            UsageSource = "reservation",
            Outcome = "success",
            DurationMs = 0.123456789,
            Sequence = 99,
            PreviousSha256 = "ignored: the log assigns it",
        };
        Assert.All(typeof(AuditRecord).GetProperties(), p => Assert.NotNull(p.GetValue(record)));
        Assert.All(typeof(RunSnapshot).GetProperties(), p => Assert.NotNull(p.GetValue(record.Run)));
        await using (var log = await AuditLog.OpenAsync(_path, NullLogger.Instance, CancellationToken.None))
        {
            log.Append(record);
            await log.FlushAsync(CancellationToken.None);
        }

        Assert.True(AuditChain.TryOpen(File.ReadAllLines(_path).Single(), out var body, out var sha));

        var expected = JsonSerializer.Serialize(record with { Sequence = 1, PreviousSha256 = AuditChain.GenesisSha256 }, AuditChain.SerializerOptions);
        Assert.Equal(expected, body);
        Assert.Equal(AuditChain.HashBody(body), sha);
    }
}
