using System.Net;
using AgentOperator.Gateway.Tests.Cluster;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>The gateway as a real process, killed with SIGKILL under load: no acknowledged record is lost and its successor ships the buffer.</summary>
public sealed class GatewayKillTests : IAsyncLifetime
{
    private AuditTrail _trail = null!;

    public async Task InitializeAsync()
    {
        _trail = await AuditTrail.CreateAsync();
        await _trail.StartCollectorAsync();
    }

    public async Task DisposeAsync() => await _trail.DisposeAsync();

    [Fact]
    public async Task Gateway_killed_mid_stream_loses_no_acknowledged_write_and_its_successor_ships_the_buffer()
    {
        using var first = GatewayProcess.Start(_trail);
        await first.WaitHealthyAsync();

        using var http = first.Agent();
        var acknowledged = 0;
        using var load = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            try
            {
                while (!load.IsCancellationRequested)
                {
                    var run = await AuditTrail.StartRunAsync(http);
                    for (var i = 0; i < 5; i++)
                    {
                        using var response = await AuditTrail.CallAsync(http, run, "tickets.create", "create", """{"subject":"under load"}""");
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref acknowledged);
                        }
                    }
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException)
            {
                // The gateway died under this request.
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2));
        first.Process.Kill(); // SIGKILL
        await first.Process.WaitForExitAsync();
        await load.CancelAsync();
        await Task.WhenAll(workers);
        var answered = Volatile.Read(ref acknowledged);
        Assert.True(answered > 0, "no write was answered before the kill");

        // Every write the agent saw succeed is in the store already, before any successor runs.
        var storedWrites = _trail.StoredLines().Count(l => l.Contains("\"tool\":\"tickets.create\"", StringComparison.Ordinal) && l.Contains("\"decision\":\"allow\"", StringComparison.Ordinal));
        Assert.True(storedWrites >= answered, $"{answered} writes were answered 200, the store holds {storedWrites}");

        using var successor = GatewayProcess.Start(_trail, first.Port, first.MetricsPort);
        await successor.WaitHealthyAsync();
        await _trail.WaitUntilShippedAsync(TimeSpan.FromSeconds(20));
        var stored = _trail.StoredLines();
        Assert.Equal(stored.Count, stored.Distinct(StringComparer.Ordinal).Count());
        successor.Process.Kill();
        await successor.Process.WaitForExitAsync();

        await _trail.Collector!.Maintenance.CheckpointAllAsync(CancellationToken.None);
        var viewer = Path.Combine(_trail.Directory, "viewer-token");
        await File.WriteAllTextAsync(viewer, await _trail.ReaderTokenAsync("auditor", viewer: true));
        var (code, output) = await AuditShippingTests.VerifyAsync("--collector", _trail.CollectorAddress.ToString(), "--namespace", _trail.Namespace, "--workflow", GatewayRoles.Workflow, "--token-file", viewer);
        Assert.True(code == 0, output);
    }
}
