using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AgentOperator.Contracts;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>
/// The published gateway (<c>dotnet AgentOperator.Gateway.dll serve …</c>) as a real process on an <see cref="AuditTrail"/>'s
/// bundle, buffer and collector token, with its output kept for failure messages.
/// </summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _output = new();

    private GatewayProcess(Process process, int port, int metricsPort)
    {
        Process = process;
        Port = port;
        MetricsPort = metricsPort;
    }

    public Process Process { get; }

    /// <summary>The agent API's loopback port.</summary>
    public int Port { get; }

    public int MetricsPort { get; }

    /// <summary>What the process printed so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts a gateway on the trail, on the given ports or free ones.</summary>
    public static GatewayProcess Start(AuditTrail trail, int? port = null, int? metricsPort = null)
    {
        var arguments = new GatewayServeArguments
        {
            BundleFile = trail.BundlePath,
            Port = port ?? FreePort(),
            MetricsPort = metricsPort ?? FreePort(),
            AuditFile = trail.AuditPath,
            AuditCollector = trail.CollectorAddress,
            AuditTokenFile = trail.GatewayTokenPath,
            SecretsDirectory = Path.Combine(trail.Directory, "secrets"),
            TokensDirectory = Path.Combine(trail.Directory, "tokens"),
        };
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AgentOperator.Gateway.dll"));
        foreach (var argument in arguments.Render())
        {
            start.ArgumentList.Add(argument);
        }

        var gateway = new GatewayProcess(Process.Start(start)!, arguments.Port, arguments.MetricsPort);
        gateway.Process.OutputDataReceived += (_, e) => gateway._output.Enqueue(e.Data ?? "");
        gateway.Process.ErrorDataReceived += (_, e) => gateway._output.Enqueue(e.Data ?? "");
        gateway.Process.BeginOutputReadLine();
        gateway.Process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>Waits (30 s at most) until /healthz answers; fails with the process output when it exits first.</summary>
    public async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Assert.False(Process.HasExited, $"the gateway exited with {(Process.HasExited ? Process.ExitCode : 0)} before it was healthy:\n{Output}");
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{MetricsPort}{GatewayPodLayout.HealthPath}"));
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

    /// <summary>A client of the agent API.</summary>
    public HttpClient Agent() => new() { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(10) };

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit();
        }

        Process.Dispose();
    }
}
