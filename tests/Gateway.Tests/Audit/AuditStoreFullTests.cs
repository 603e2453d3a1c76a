using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Tests.Cluster;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>
/// The collector, as a real process, on a store volume that really fills up: a 1 MiB tmpfs mounted in a private mount
/// namespace of its own (nothing on the machine changes), seen by the test through <c>/proc/PID/root</c>.
/// </summary>
public sealed partial class AuditStoreFullTests : IAsyncLifetime
{
    private const string Ticket = """{"subject":"damaged parcel"}""";
    private AuditTrail _trail = null!;
    private Process? _collector;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _collectorOutput = new();

    public async Task InitializeAsync() => _trail = await AuditTrail.CreateAsync();

    public async Task DisposeAsync()
    {
        await _trail.StopGatewayAsync();
        if (_collector is { HasExited: false })
        {
            _collector.Kill();
            await _collector.WaitForExitAsync();
        }

        _collector?.Dispose();
        await _trail.DisposeAsync();
    }

    [PrivateTmpfsFact]
    public async Task Full_store_volume_refuses_batches_with_507_alerts_corrupts_nothing_and_recovers_when_space_returns()
    {
        await StartCollectorOnSmallVolumeAsync();
        await _trail.StartGatewayAsync();
        using var http = new HttpClient { BaseAddress = _trail.Gateway!.AgentAddress, Timeout = TimeSpan.FromSeconds(10) };
        var run = await AuditTrail.StartRunAsync(http);
        using (var write = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket))
        {
            Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        }

        // Fill the volume: a file grows until the kernel says ENOSPC.
        var filler = Path.Combine(StoreSeenByTheCollector, "filler");
        FillUntilNoSpace(filler);

        // Writes are refused, naming the store and why (a page of a segment may still take a record or two).
        JsonObject? refusal = null;
        for (var i = 0; i < 20 && refusal is null; i++)
        {
            using var write = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket);
            if (write.StatusCode != HttpStatusCode.OK)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
                refusal = await write.Content.ReadFromJsonAsync<JsonObject>();
            }
        }

        Assert.NotNull(refusal);
        Assert.Equal("audit.store", (string?)refusal["rule"]);
        Assert.Contains("refused with 507: the audit store's volume is full", (string?)refusal["reason"], StringComparison.Ordinal);
        using (var read = await AuditTrail.CallAsync(http, run, "orders.lookup", "read", """{"order_id":"A-1"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        // The alert's input is set (AgentAuditStoreFull: max(agentoperator_audit_store_full) > 0, promtool-tested in
        // config/prometheus), and so is the write-failure counter.
        var metrics = await CollectorMetricsAsync();
        Assert.Equal(1, Sample(metrics, AuditMetrics.StoreFull));
        Assert.True(Sample(metrics, AuditMetrics.StoreWriteFailures) >= 1, metrics);
        Assert.True(Sample(metrics, AuditMetrics.RefusedBatches + "{reason=\"store\"}") >= 1, metrics);

        // Nothing stored is damaged: every segment holds whole sealed records, in chain order.
        var storedWhileFull = StoredLines();
        Assert.NotEmpty(storedWhileFull);
        var buffered = _trail.BufferedLines();
        for (var i = 0; i < storedWhileFull.Count; i++)
        {
            Assert.True(i < buffered.Count && buffered[i] == storedWhileFull[i], $"stored record {i + 1} differs from the buffer's:\nstored   {storedWhileFull[i]}\nbuffered {(i < buffered.Count ? buffered[i] : "(none)")}");
        }

        Assert.All(Directory.EnumerateFiles(ChainSeenByTheCollector, "*.jsonl"), file => Assert.True(File.ReadAllText(file) is "" or [.., '\n'], $"{file} ends in a partial line"));

        // Space returns: shipping resumes by itself, writes are answered again, and the whole chain verifies.
        File.Delete(filler);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            using var write = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket);
            if (write.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"writes were still refused 15 s after space returned: {await write.Content.ReadAsStringAsync()}");
            await Task.Delay(200);
        }

        while (StoredLines().Count < _trail.BufferedLines().Count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the store holds {StoredLines().Count} records, the buffer {_trail.BufferedLines().Count}");
            await Task.Delay(100);
        }

        Assert.Equal(_trail.BufferedLines(), StoredLines());
        Assert.Equal(0, Sample(await CollectorMetricsAsync(), AuditMetrics.StoreFull));

        var viewer = Path.Combine(_trail.Directory, "viewer-token");
        await File.WriteAllTextAsync(viewer, await _trail.ReaderTokenAsync("auditor", viewer: true));
        var (code, output) = (1, "");
        while (DateTime.UtcNow < deadline + TimeSpan.FromSeconds(10))
        {
            // The collector signs a checkpoint every second here; verify once one anchors the last record.
            (code, output) = await AuditShippingTests.VerifyAsync("--collector", _trail.CollectorAddress.ToString(), "--namespace", _trail.Namespace, "--workflow", GatewayRoles.Workflow, "--token-file", viewer);
            if (code == 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(code == 0, output + "\n" + string.Join('\n', _collectorOutput));
    }

    private string StoreSeenByTheCollector => $"/proc/{_collector!.Id}/root{_trail.StoreDirectory}";

    private string ChainSeenByTheCollector => Path.Combine(StoreSeenByTheCollector, "chains", _trail.Namespace, GatewayRoles.Workflow, AuditTrail.Pod);

    private IReadOnlyList<string> StoredLines() =>
        [.. Directory.EnumerateFiles(ChainSeenByTheCollector, "segment-*").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines).Where(l => l.Length > 0)];

    /// <summary>The published collector in a private mount namespace whose store directory is a 1 MiB tmpfs.</summary>
    private async Task StartCollectorOnSmallVolumeAsync()
    {
        var (kubeconfig, port) = await _trail.CollectorProcessSetupAsync();
        Directory.CreateDirectory(_trail.StoreDirectory);
        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[
            "-m", "--propagation", "private", "sh", "-c", "set -e; mount -t tmpfs -o size=1m,mode=700 tmpfs \"$1\"; shift; exec \"$@\"", "sh", _trail.StoreDirectory,
            "dotnet", Path.Combine(AppContext.BaseDirectory, "AgentOperator.AuditCollector.dll"), "serve", "--data", _trail.StoreDirectory, "--signing-key", _trail.KeyPath,
            "--port", port.ToString(CultureInfo.InvariantCulture), "--kubeconfig", kubeconfig, "--checkpoint-interval", "1", "--verify-interval", "1"])
        {
            start.ArgumentList.Add(argument);
        }

        _collector = Process.Start(start)!;
        _collector.OutputDataReceived += (_, e) => { };
        _collector.ErrorDataReceived += (_, e) => _collectorOutput.Enqueue(e.Data ?? "");
        _collector.BeginOutputReadLine();
        _collector.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Assert.False(_collector.HasExited, $"the collector exited with {(_collector.HasExited ? _collector.ExitCode : 0)}:\n{string.Join('\n', _collectorOutput)}");
            try
            {
                using var response = await http.GetAsync(new Uri(_trail.CollectorAddress, "/healthz"));
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, "the collector was not healthy within 30 s:\n" + string.Join('\n', _collectorOutput));
            await Task.Delay(100);
        }

        Assert.Contains("tmpfs", await File.ReadAllTextAsync($"/proc/{_collector.Id}/mounts"), StringComparison.Ordinal);
    }

    private static void FillUntilNoSpace(string path)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1);
        var chunk = new byte[4096];
        for (var written = 0L; written < 8L * 1024 * 1024; written += chunk.Length)
        {
            try
            {
                file.Write(chunk);
            }
            catch (IOException exception)
            {
                Assert.Equal(28, exception.HResult); // ENOSPC
                return;
            }
        }

        Assert.Fail("8 MiB went onto a 1 MiB volume: the store is not on the small tmpfs");
    }

    private async Task<string> CollectorMetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(_trail.CollectorAddress, "/metrics"));
    }

    private static double Sample(string metrics, string series)
    {
        var match = Regex.Match(metrics, "^" + Regex.Escape(series) + " (?<value>\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{series} is not in:\n{metrics}");
        return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
    }
}
