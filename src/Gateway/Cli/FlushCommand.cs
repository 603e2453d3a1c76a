using System.Globalization;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Audit;

namespace AgentOperator.Gateway.Cli;

/// <summary>
/// <c>flush</c> (<see cref="GatewayFlushArguments"/>), the gateway container's preStop hook: asks the gateway serving on
/// 127.0.0.1 to ship its audit buffer and waits for the collector's acknowledgement. Exit 0 when all of it was
/// acknowledged (or there is no collector), 1 with the gateway's reason when not; the kubelet reports a failed hook
/// as a FailedPreStopHook Event and goes on with SIGTERM, whose drain keeps trying.
/// </summary>
public static class FlushCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var arguments = GatewayFlushArguments.Parse(args);
        // A little beyond the gateway's own bound, so its answer (with the reason) arrives rather than our timeout.
        using var http = new HttpClient { Timeout = GatewayShutdown.PreStopFlushTimeout + TimeSpan.FromSeconds(5) };
        var address = new Uri($"http://127.0.0.1:{arguments.Port.ToString(CultureInfo.InvariantCulture)}{GatewayShutdown.AuditFlushPath}");
        using var response = await http.PostAsync(address, content: null, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await error.WriteLineAsync($"error: flush: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return 1;
        }

        var result = await response.Content.ReadFromJsonAsync<AuditFlushResult>(cancellationToken)
            ?? throw new InvalidOperationException($"{address} answered without a flush result");
        await output.WriteLineAsync(result.AcknowledgedThrough is { } acknowledged
            ? $"audit flushed: records through {acknowledged} acknowledged by the collector ({result.WrittenThrough} written) in {result.Seconds:0.###} s"
            : $"audit flushed to the pod's log through {result.WrittenThrough} (no collector)");
        return 0;
    }
}
