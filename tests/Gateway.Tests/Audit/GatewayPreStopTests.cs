using System.Diagnostics;
using System.Net;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Tests.Cluster;
using AgentOperator.Operator.Provisioning;
using Xunit.Abstractions;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>
/// Graceful termination of a real gateway process: the preStop hook of the pod spec the operator generates, run
/// verbatim from the gateway's publish folder (the image's WORKDIR), and SIGTERM; both ship what the gateway buffered
/// while the collector was down to the real collector before the process exits.
/// </summary>
public sealed class GatewayPreStopTests(ITestOutputHelper log) : IAsyncLifetime
{
    private const string Ticket = """{"subject":"damaged parcel"}""";
    private AuditTrail _trail = null!;

    public async Task InitializeAsync()
    {
        _trail = await AuditTrail.CreateAsync();
        await _trail.StartCollectorAsync();
    }

    public async Task DisposeAsync() => await _trail.DisposeAsync();

    [Fact]
    public async Task PreStop_hook_ships_records_buffered_while_the_collector_was_down_before_the_gateway_is_stopped()
    {
        using var gateway = GatewayProcess.Start(_trail);
        await gateway.WaitHealthyAsync();
        var hook = PreStopCommand(gateway.Port);
        await BufferWhileTheCollectorIsDownAsync(gateway);

        // The kubelet runs the hook; the collector, restarting too, answers again 3 s later (past the hook's process
        // start), and the hook waits for it.
        var flush = RunAsync(hook);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(flush.IsCompleted, "the preStop hook ended while the collector was down");
        await _trail.StartCollectorAsync();
        var collectorBack = Stopwatch.StartNew();
        var (code, output) = await flush;
        var afterCollectorBack = collectorBack.Elapsed;

        Assert.True(code == 0, $"the preStop hook exited {code}: {output}\n{gateway.Output}");
        Assert.False(gateway.Process.HasExited, "the gateway exited before SIGTERM");
        Assert.Equal(_trail.BufferedLines(), _trail.StoredLines());
        log.WriteLine($"preStop flush: {output.Trim()}; answered {afterCollectorBack.TotalMilliseconds:0} ms after the collector was back");

        // With the collector up, the hook costs a process start and one round trip.
        using (var http = gateway.Agent())
        {
            using var read = await AuditTrail.CallAsync(http, await AuditTrail.StartRunAsync(http), "orders.lookup", "read", """{"order_id":"A-1"}""");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        var healthy = Stopwatch.StartNew();
        (code, output) = await RunAsync(hook);
        Assert.True(code == 0, output);
        log.WriteLine($"preStop hook with the collector up: {healthy.Elapsed.TotalMilliseconds:0} ms in all (process start included): {output.Trim()}");
        Assert.Equal(_trail.BufferedLines(), _trail.StoredLines());

        await SigtermAsync(gateway);
        await WaitExitAsync(gateway);
        Assert.Equal(0, gateway.Process.ExitCode);
    }

    [Fact]
    public async Task SIGTERM_ships_records_buffered_while_the_collector_was_down_before_the_gateway_exits()
    {
        using var gateway = GatewayProcess.Start(_trail);
        await gateway.WaitHealthyAsync();
        await BufferWhileTheCollectorIsDownAsync(gateway);

        var terminated = Stopwatch.StartNew();
        await SigtermAsync(gateway);

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(gateway.Process.HasExited, "the gateway exited on SIGTERM without waiting for the collector");
        await _trail.StartCollectorAsync();
        await WaitExitAsync(gateway);

        Assert.Equal(0, gateway.Process.ExitCode);
        Assert.Equal(_trail.BufferedLines(), _trail.StoredLines());
        log.WriteLine($"SIGTERM to exit, the collector back after 1 s: {terminated.Elapsed.TotalMilliseconds:0} ms");
    }

    /// <summary>A write acknowledged, then the collector stops and the gateway buffers: reads answered, a write refused, all audited.</summary>
    private async Task BufferWhileTheCollectorIsDownAsync(GatewayProcess gateway)
    {
        using var http = gateway.Agent();
        var run = await AuditTrail.StartRunAsync(http);
        using (var write = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket))
        {
            Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        }

        await _trail.StopCollectorAsync();
        for (var i = 0; i < 5; i++)
        {
            using var read = await AuditTrail.CallAsync(http, run, "orders.lookup", "read", """{"order_id":"A-1"}""");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using (var refused = await AuditTrail.CallAsync(http, run, "tickets.create", "create", Ticket))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (_trail.BufferedLines().Count < 9)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the buffer holds {_trail.BufferedLines().Count} records, 9 expected (run, 2 writes, 5 reads, refusal)");
            await Task.Delay(50);
        }

        Assert.True(_trail.StoredLines().Count < _trail.BufferedLines().Count, "nothing was left to ship");
    }

    /// <summary>The gateway container's preStop command in the Deployment the operator builds for the trail's revision.</summary>
    private IReadOnlyList<string> PreStopCommand(int gatewayPort)
    {
        var workflow = GatewayRoles.WorkflowIn(_trail.Namespace);
        workflow.Metadata.Uid = Guid.NewGuid().ToString();
        var deployment = DeploymentBuilder.Build(GatewayRoles.Inputs(workflow), new ProvisioningOptions { AuditCollector = _trail.CollectorAddress, GatewayApiPort = gatewayPort });
        var gateway = deployment.Spec.Template.Spec.Containers.Single(c => c.Name == GatewayPodLayout.GatewayContainer);
        return [.. gateway.Lifecycle.PreStop.Exec.Command];
    }

    /// <summary>Runs a command in the gateway's publish folder (the image's WORKDIR), bounded by the pod's grace period.</summary>
    private static async Task<(int Code, string Output)> RunAsync(IReadOnlyList<string> command)
    {
        var start = new ProcessStartInfo(command[0]) { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(GatewayShutdown.TerminationGracePeriodSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail($"'{string.Join(' ', command)}' ran past the grace period of {GatewayShutdown.TerminationGracePeriodSeconds} s");
        }

        return (process.ExitCode, await output + await error);
    }

    /// <summary>What the kubelet sends after the preStop hook.</summary>
    private static async Task SigtermAsync(GatewayProcess gateway)
    {
        using var kill = Process.Start("kill", ["-TERM", gateway.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the gateway to exit within the pod's grace period.</summary>
    private static async Task WaitExitAsync(GatewayProcess gateway)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(GatewayShutdown.TerminationGracePeriodSeconds));
        try
        {
            await gateway.Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the gateway did not exit within the grace period after SIGTERM:\n{gateway.Output}");
        }
    }
}
