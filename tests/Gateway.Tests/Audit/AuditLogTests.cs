using AgentOperator.Gateway.Audit;
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
}
