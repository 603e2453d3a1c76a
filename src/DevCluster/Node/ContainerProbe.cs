using System.ComponentModel;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// One probe of a container as the kubelet runs it: httpGet (2xx/3xx succeed; host defaults to the pod IP, port by
/// number or by the container's port name), tcpSocket (a connection succeeds) or exec (exit 0 succeeds; run inside the
/// container by <see cref="ContainerExec"/>, as its user with its environment), every periodSeconds after
/// initialDelaySeconds, within timeoutSeconds.
/// </summary>
internal sealed class ContainerProbe(JsonObject probe, JsonObject container, HttpClient http, string podIp)
{
    public TimeSpan InitialDelay => TimeSpan.FromSeconds(probe.Long("initialDelaySeconds") ?? 0);

    public TimeSpan Period => TimeSpan.FromSeconds(probe.Long("periodSeconds") ?? 10);

    public int SuccessThreshold => (int)(probe.Long("successThreshold") ?? 1);

    public int FailureThreshold => (int)(probe.Long("failureThreshold") ?? 3);

    /// <summary>The probe's own terminationGracePeriodSeconds (for a kill after liveness or startup failures), if set.</summary>
    public TimeSpan? TerminationGracePeriod => probe.Long("terminationGracePeriodSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : null;

    private TimeSpan Timeout => TimeSpan.FromSeconds(probe.Long("timeoutSeconds") ?? 1);

    /// <summary>Null when the probe succeeded, else why it failed (as the Unhealthy Event says).</summary>
    public async Task<string?> CheckAsync(ContainerExecTarget target, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        try
        {
            if (probe["httpGet"] is JsonObject get)
            {
                var scheme = (get.Str("scheme") ?? "HTTP").ToLowerInvariant();
                var uri = new Uri($"{scheme}://{get.Str("host") ?? podIp}:{Port(get["port"], container)}{get.Str("path") ?? "/"}");
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                foreach (var header in (get["httpHeaders"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    request.Headers.TryAddWithoutValidation(header.Str("name") ?? "", header.Str("value"));
                }

                using var response = await http.SendAsync(request, deadline.Token);
                var code = (int)response.StatusCode;
                return code is >= 200 and < 400 ? null : $"HTTP probe failed with statuscode: {code}";
            }

            if (probe["tcpSocket"] is JsonObject tcp)
            {
                using var client = new TcpClient();
                await client.ConnectAsync(tcp.Str("host") ?? podIp, Port(tcp["port"], container), deadline.Token);
                return null;
            }

            if (probe["exec"] is JsonObject exec)
            {
                var command = (exec["command"] as JsonArray ?? []).Select(c => c?.ToString() ?? "").ToList();
                try
                {
                    // The kubelet's exec prober reports a failing command by its output.
                    var result = await ContainerExec.RunAsync(target, command, deadline.Token);
                    return result.ExitCode == 0 ? null : result.Stdout + result.Stderr;
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return $"command \"{string.Join(' ', command)}\" timed out";
                }
            }

            return "the probe has no handler";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"probe timed out after {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or Win32Exception)
        {
            return e.Message;
        }
    }

    /// <summary>A probe's or hook's port: a number, or the name of one of the container's ports.</summary>
    public static int Port(JsonNode? port, JsonObject container)
    {
        if (port is JsonValue v && v.TryGetValue<int>(out var number))
        {
            return number;
        }

        var name = port?.ToString();
        return (container["ports"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => p.Str("name") == name)?.Long("containerPort") is { } named
            ? (int)named
            : int.TryParse(name, CultureInfo.InvariantCulture, out var text) ? text : throw new IOException($"the container has no port named {name}");
    }
}
