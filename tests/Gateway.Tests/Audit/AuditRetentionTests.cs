using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Tests.Cluster;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>
/// The collector enforces the workflow's <c>observability.retentionDays</c>: closed segments past it are removed under a
/// signed expiry, what remains verifies, and a segment removed without one is reported as tampering.
/// </summary>
public sealed class AuditRetentionTests : IAsyncLifetime
{
    private const int RetentionDays = 7;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private AuditTrail _trail = null!;

    public async Task InitializeAsync()
    {
        _trail = await AuditTrail.CreateAsync();
        await _trail.Cluster.Admin.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(new { spec = new { observability = new { retentionDays = RetentionDays } } }, V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, _trail.Namespace, AgentWorkflow.Plural, GatewayRoles.Workflow);
        // Small segments, so the records below fill several and retention has closed ones to expire.
        await _trail.StartCollectorAsync(_clock, segmentBytes: 1024);
        await _trail.StartGatewayAsync();
    }

    public async Task DisposeAsync() => await _trail.DisposeAsync();

    private async Task ReadsAsync(HttpClient http, string run, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var read = await AuditTrail.CallAsync(http, run, "orders.lookup", "read", $$"""{"order_id":"A-{{i}}"}""");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        await _trail.WaitUntilShippedAsync(TimeSpan.FromSeconds(5));
    }

    private static DateTimeOffset TimeOf(string line)
    {
        Assert.True(AuditChain.TryOpen(line, out var body, out _), line);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("time").GetDateTimeOffset();
    }

    [Fact]
    public async Task Segments_past_the_workflows_retention_are_removed_under_a_signed_expiry_and_the_rest_verifies()
    {
        using var http = new HttpClient { BaseAddress = _trail.Gateway!.AgentAddress };
        var run = await AuditTrail.StartRunAsync(http);
        await ReadsAsync(http, run, 6);
        var boundary = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await ReadsAsync(http, run, 6);
        var before = _trail.StoredLines();
        var recent = before.Where(l => TimeOf(l) >= boundary).ToList();
        await _trail.Collector!.Maintenance.CheckpointAllAsync(CancellationToken.None);

        // Inside the retention nothing goes.
        _clock.SetUtcNow(boundary.AddDays(RetentionDays).AddHours(-1));
        await _trail.Collector.Maintenance.ExpireAllAsync(CancellationToken.None);
        Assert.Equal(before, _trail.StoredLines());

        _clock.SetUtcNow(boundary.AddDays(RetentionDays));
        await _trail.Collector.Maintenance.ExpireAllAsync(CancellationToken.None);

        var after = _trail.StoredLines();
        Assert.True(after.Count < before.Count, $"retention removed nothing: {before.Count} records stored before and after");
        Assert.All(recent, line => Assert.Contains(line, after));
        Assert.All(before.Except(after), line => Assert.True(TimeOf(line) < boundary, $"a record newer than the retention was removed: {line}"));
        var expiries = File.ReadAllLines(Path.Combine(_trail.ChainDirectory, AuditCollectorApi.Files.Expiries)).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(expiries);
        Assert.All(expiries, e => Assert.Equal(RetentionDays, AuditExpiry.TryParse(e)!.RetentionDays));

        var viewer = Path.Combine(_trail.Directory, "viewer-token");
        await File.WriteAllTextAsync(viewer, await _trail.ReaderTokenAsync("auditor", viewer: true));
        var (code, output) = await AuditShippingTests.VerifyAsync("--collector", _trail.CollectorAddress.ToString(), "--namespace", _trail.Namespace, "--workflow", GatewayRoles.Workflow, "--token-file", viewer);
        Assert.True(code == 0, output);
        Assert.Contains($"{after.Count} records intact, {before.Count - after.Count} expired under retention", output, StringComparison.Ordinal);

        // The same removal without a signed expiry is tampering, told apart from retention.
        await _trail.StopGatewayAsync();
        await _trail.StopCollectorAsync();
        using var key = ECDsa.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(_trail.KeyPath));
        var publicKey = Path.Combine(_trail.Directory, "checkpoint-public.pem");
        await File.WriteAllTextAsync(publicKey, key.ExportSubjectPublicKeyInfoPem());
        File.Delete(Directory.EnumerateFiles(_trail.ChainDirectory, AuditCollectorApi.Files.SegmentPrefix + "*").Order(StringComparer.Ordinal).First());
        var (tampered, report) = await AuditShippingTests.VerifyAsync("--store", _trail.StoreDirectory, "--namespace", _trail.Namespace, "--workflow", GatewayRoles.Workflow, "--public-key", publicKey);
        Assert.Equal(1, tampered);
        Assert.Contains("TAMPERED", report, StringComparison.Ordinal);
        Assert.Contains($"at sequence {before.Count - after.Count + 1}", report, StringComparison.Ordinal);
    }
}
