using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Tests.Cluster;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>The gateway as a real process, killed with SIGKILL under load: no acknowledged record is lost and its successor ships the buffer.</summary>
public sealed class GatewayKillTests : IAsyncLifetime
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
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
        var (port, metricsPort) = (FreePort(), FreePort());
        using var first = StartGateway(port, metricsPort);
        await WaitHealthyAsync(metricsPort, first);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
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
        first.Kill(); // SIGKILL
        await first.WaitForExitAsync();
        await load.CancelAsync();
        await Task.WhenAll(workers);
        var answered = Volatile.Read(ref acknowledged);
        Assert.True(answered > 0, "no write was answered before the kill");

        // Every write the agent saw succeed is in the store already, before any successor runs.
        var storedWrites = _trail.StoredLines().Count(l => l.Contains("\"tool\":\"tickets.create\"", StringComparison.Ordinal) && l.Contains("\"decision\":\"allow\"", StringComparison.Ordinal));
        Assert.True(storedWrites >= answered, $"{answered} writes were answered 200, the store holds {storedWrites}");

        using var successor = StartGateway(port, metricsPort);
        await WaitHealthyAsync(metricsPort, successor);
        await _trail.WaitUntilShippedAsync(TimeSpan.FromSeconds(20));
        var stored = _trail.StoredLines();
        Assert.Equal(stored.Count, stored.Distinct(StringComparer.Ordinal).Count());
        successor.Kill();
        await successor.WaitForExitAsync();

        await _trail.Collector!.Maintenance.CheckpointAllAsync(CancellationToken.None);
        var viewer = Path.Combine(_trail.Directory, "viewer-token");
        await File.WriteAllTextAsync(viewer, await _trail.ReaderTokenAsync("auditor", viewer: true));
        var (code, output) = await AuditShippingTests.VerifyAsync("--collector", _trail.CollectorAddress.ToString(), "--namespace", _trail.Namespace, "--workflow", GatewayRoles.Workflow, "--token-file", viewer);
        Assert.True(code == 0, output);
    }

    private Process StartGateway(int port, int metricsPort)
    {
        var arguments = new GatewayServeArguments
        {
            BundleFile = _trail.BundlePath,
            Port = port,
            MetricsPort = metricsPort,
            AuditFile = _trail.AuditPath,
            AuditCollector = _trail.CollectorAddress,
            AuditTokenFile = _trail.GatewayTokenPath,
            SecretsDirectory = Path.Combine(_trail.Directory, "secrets"),
            TokensDirectory = Path.Combine(_trail.Directory, "tokens"),
        };
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AgentOperator.Gateway.dll"));
        foreach (var argument in arguments.Render())
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitHealthyAsync(int metricsPort, Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Assert.False(process.HasExited, $"the gateway exited with {(process.HasExited ? process.ExitCode : 0)} before it was healthy:\n{string.Join('\n', _output)}");
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}{GatewayPodLayout.HealthPath}"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, "the gateway process was not healthy within 30 s");
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
