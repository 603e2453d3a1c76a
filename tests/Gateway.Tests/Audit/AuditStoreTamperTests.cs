using System.Net;
using System.Security.Cryptography;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Tests.Cluster;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>
/// <c>verify --store</c> on a copy of the collector's volume after each kind of tampering: each is reported as
/// TAMPERED with the sequence where it shows and why, including the ones a hash chain alone cannot see.
/// </summary>
public sealed class AuditStoreTamperTests : IAsyncLifetime
{
    private AuditTrail _trail = null!;
    private string _publicKey = null!;
    private int _records;

    public async Task InitializeAsync()
    {
        _trail = await AuditTrail.CreateAsync();
        await _trail.StartCollectorAsync();
        await _trail.StartGatewayAsync();
        using (var http = new HttpClient { BaseAddress = _trail.Gateway!.AgentAddress })
        {
            var run = await AuditTrail.StartRunAsync(http);
            for (var i = 0; i < 3; i++)
            {
                using var read = await AuditTrail.CallAsync(http, run, "orders.lookup", "read", """{"order_id":"A-1"}""");
                using var ticket = await AuditTrail.CallAsync(http, run, "tickets.create", "create", """{"subject":"damaged item"}""");
                Assert.Equal(HttpStatusCode.OK, ticket.StatusCode);
            }

            using var denied = await AuditTrail.CallAsync(http, run, "payments.issue_refund", "create", """{"order_id":"A-1","amount_usd":9000}""");
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            using var more = await AuditTrail.CallAsync(http, run, "orders.lookup", "read", """{"order_id":"A-2"}""");
        }

        await _trail.StopGatewayAsync();
        await _trail.StopCollectorAsync();
        _records = _trail.StoredLines().Count;
        using var key = ECDsa.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(_trail.KeyPath));
        _publicKey = Path.Combine(_trail.Directory, "checkpoint-public.pem");
        await File.WriteAllTextAsync(_publicKey, key.ExportSubjectPublicKeyInfoPem());
    }

    public async Task DisposeAsync() => await _trail.DisposeAsync();

    [Fact]
    public async Task Untouched_store_verifies_with_its_checkpoints()
    {
        var (code, output) = await VerifyCopyAsync(_ => { });

        Assert.True(code == 0, output);
        Assert.Contains($"{_records} records intact", output, StringComparison.Ordinal);
        Assert.Contains($"anchored through sequence {_records}", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("edited", 3, "the record was edited")]
    [InlineData("deleted", 3, "records were dropped")]
    [InlineData("reordered", 3, "records were dropped or reordered")]
    [InlineData("duplicated", 4, "reordered or duplicated")]
    public async Task Broken_chain_is_reported_at_the_first_bad_record(string tampering, long sequence, string reason)
    {
        var (code, output) = await VerifyCopyAsync(lines =>
        {
            switch (tampering)
            {
                case "edited":
                    lines[2] = lines[2].Replace("\"orders.lookup\"", "\"orders.export\"", StringComparison.Ordinal);
                    break;
                case "deleted":
                    lines.RemoveAt(2);
                    break;
                case "reordered":
                    (lines[2], lines[3]) = (lines[3], lines[2]);
                    break;
                case "duplicated":
                    lines.Insert(3, lines[2]);
                    break;
            }
        });

        Assert.Equal(1, code);
        Assert.Contains($"TAMPERED: chain {_trail.Namespace}/{AuditTrail.Pod} at sequence {sequence}", output, StringComparison.Ordinal);
        Assert.Contains(reason, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_tail_is_reported_against_the_signed_checkpoint()
    {
        var (code, output) = await VerifyCopyAsync(lines => lines.RemoveRange(lines.Count - 2, 2));

        Assert.Equal(1, code);
        Assert.Contains($"at sequence {_records - 1}", output, StringComparison.Ordinal);
        Assert.Contains($"the records end at sequence {_records - 2}, but a signed checkpoint anchors the chain through sequence {_records}: the tail was truncated", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Emptied_log_is_reported_against_the_signed_checkpoint()
    {
        var (code, output) = await VerifyCopyAsync(lines => lines.Clear());

        Assert.Equal(1, code);
        Assert.Contains("at sequence 1", output, StringComparison.Ordinal);
        Assert.Contains("the log was emptied", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deny_rewritten_as_allow_with_the_chain_recomputed_is_reported()
    {
        var denied = -1;
        var (code, output) = await VerifyCopyAsync(lines =>
        {
            denied = lines.FindIndex(l => l.Contains("\"decision\":\"deny\"", StringComparison.Ordinal));
            Assert.True(denied >= 0, "no deny record to forge");
            lines[denied] = lines[denied].Replace("\"decision\":\"deny\"", "\"decision\":\"allow\"", StringComparison.Ordinal);
            Recompute(lines, denied);
        });

        Assert.Equal(1, code);
        Assert.Contains("rewritten and the chain recomputed", output, StringComparison.Ordinal);
        // The forged record lies inside the reported range; the checkpoint that catches it is the first after it.
        Assert.Matches($"records (\\d+)-(\\d+) were rewritten", output);
        var range = System.Text.RegularExpressions.Regex.Match(output, "records (\\d+)-(\\d+) were rewritten");
        Assert.InRange(denied + 1, long.Parse(range.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), long.Parse(range.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Forged_checkpoint_is_reported()
    {
        var copy = CopyStore();
        var checkpoints = Path.Combine(ChainIn(copy), AuditCollectorApi.Files.Checkpoints);
        var lines = File.ReadAllLines(checkpoints);
        lines[^1] = lines[^1].Replace($"\"sequence\":{_records},", $"\"sequence\":{_records - 2},", StringComparison.Ordinal);
        File.WriteAllLines(checkpoints, lines);

        var (code, output) = await AuditShippingTests.VerifyAsync("--store", copy, "--namespace", _trail.Namespace, "--workflow", GatewayRoles.Workflow, "--public-key", _publicKey);

        Assert.Equal(1, code);
        Assert.Contains($"({AuditCollectorApi.Files.Checkpoints} line {lines.Length})", output, StringComparison.Ordinal);
        Assert.Contains("signature does not verify", output, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output)> VerifyCopyAsync(Action<List<string>> tamper)
    {
        var copy = CopyStore();
        var segment = Directory.EnumerateFiles(ChainIn(copy), "segment-*").Single();
        var lines = File.ReadAllLines(segment).Where(l => l.Length > 0).ToList();
        tamper(lines);
        File.WriteAllText(segment, string.Concat(lines.Select(l => l + "\n")));
        return await AuditShippingTests.VerifyAsync("--store", copy, "--namespace", _trail.Namespace, "--workflow", GatewayRoles.Workflow, "--public-key", _publicKey);
    }

    private string ChainIn(string store) => Path.Combine(store, "chains", _trail.Namespace, GatewayRoles.Workflow, AuditTrail.Pod);

    private string CopyStore()
    {
        var copy = Directory.CreateTempSubdirectory("audit-store-copy-").FullName;
        foreach (var file in Directory.EnumerateFiles(_trail.StoreDirectory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(_trail.StoreDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return copy;
    }

    // What a forger with write access to the files would do: re-link and re-hash every record from the edited one on.
    private static void Recompute(List<string> lines, int from)
    {
        Assert.True(AuditChain.TryOpen(lines[from - 1], out _, out var previous));
        for (var i = from; i < lines.Count; i++)
        {
            Assert.True(AuditChain.TryOpen(lines[i], out var body, out _));
            Assert.True(AuditChain.TryReadPosition(body, out _, out var oldPrev));
            body = body.Replace($"\"prev\":\"{oldPrev}\"", $"\"prev\":\"{previous}\"", StringComparison.Ordinal);
            previous = AuditChain.HashBody(body);
            lines[i] = body[..^1] + AuditChain.HashMemberPrefix + previous + "\"}";
        }
    }
}
