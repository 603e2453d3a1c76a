using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// One probe of a container as the kubelet runs it: httpGet (2xx/3xx succeed; host defaults to the pod IP, port by
/// number or by the container's port name), tcpSocket (a connection succeeds) or exec (exit 0 succeeds; run with
/// <c>nsenter</c> in the container's mount namespace and the pod's network namespace), every periodSeconds after
/// initialDelaySeconds, within timeoutSeconds.
/// </summary>
internal sealed class ContainerProbe(JsonObject probe, JsonNode container, HttpClient http, string podIp, string? networkNamespace)
{
    public TimeSpan InitialDelay => TimeSpan.FromSeconds(probe.Long("initialDelaySeconds") ?? 0);

    public TimeSpan Period => TimeSpan.FromSeconds(probe.Long("periodSeconds") ?? 10);

    public int SuccessThreshold => (int)(probe.Long("successThreshold") ?? 1);

    public int FailureThreshold => (int)(probe.Long("failureThreshold") ?? 3);

    private TimeSpan Timeout => TimeSpan.FromSeconds(probe.Long("timeoutSeconds") ?? 1);

    /// <summary>Null when the probe succeeded, else why it failed (as the Unhealthy Event says).</summary>
    public async Task<string?> CheckAsync(int pid, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        try
        {
            if (probe["httpGet"] is JsonObject get)
            {
                var scheme = (get.Str("scheme") ?? "HTTP").ToLowerInvariant();
                var uri = new Uri($"{scheme}://{get.Str("host") ?? podIp}:{Port(get["port"])}{get.Str("path") ?? "/"}");
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
                await client.ConnectAsync(tcp.Str("host") ?? podIp, Port(tcp["port"]), deadline.Token);
                return null;
            }

            if (probe["exec"] is JsonObject exec)
            {
                return await ExecAsync(pid, (exec["command"] as JsonArray ?? []).Select(c => c?.ToString() ?? "").ToList(), deadline.Token);
            }

            return "the probe has no handler";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"probe timed out after {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException)
        {
            return e.Message;
        }
    }

    private async Task<string?> ExecAsync(int pid, IReadOnlyList<string> command, CancellationToken ct)
    {
        var info = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] network = networkNamespace is null ? [] : ["--net=" + networkNamespace];
        foreach (var arg in (string[])["--target", pid.ToString(CultureInfo.InvariantCulture), "--mount", .. network, "--", .. command])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new IOException("nsenter did not start");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return process.ExitCode == 0 ? null : $"command {string.Join(' ', command)} exited with {process.ExitCode}: {await output}";
    }

    private int Port(JsonNode? port)
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
