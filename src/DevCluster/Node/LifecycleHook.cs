using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// A container's postStart or preStop handler as the kubelet's handler runner runs it (pkg/kubelet/lifecycle/handlers.go):
/// <c>exec</c> runs the command inside the container (<see cref="ContainerExec"/>, as the container's user with its
/// environment) and fails on a non-zero exit; <c>httpGet</c> sends the request (host defaults to the pod IP, port by
/// number or name) and fails only when it cannot be sent, whatever the status; <c>sleep</c> waits. The failure message
/// is the kubelet's (it becomes the PostStartHookError message; Events carry only "PostStartHook failed").
/// </summary>
internal sealed class LifecycleHook(JsonObject handler, JsonObject container, HttpClient http, string podIp)
{
    /// <summary>Runs the handler; null when it succeeded, else why it failed. <paramref name="pod"/> is the pod as the kubelet names it (<c>name_namespace(uid)</c>).</summary>
    public async Task<string?> RunAsync(ContainerExecTarget target, string pod, CancellationToken ct)
    {
        var name = container.Str("name");
        if (handler["exec"] is JsonObject exec)
        {
            var command = (exec["command"] as JsonArray ?? []).Select(c => c?.ToString() ?? "").ToList();
            var result = await ContainerExec.RunAsync(target, command, ct);
            return result.ExitCode == 0 ? null
                : $"Exec lifecycle hook ([{string.Join(' ', command)}]) for Container \"{name}\" in Pod \"{pod}\" failed - error: "
                    + $"command '{string.Join(' ', command)}' exited with {result.ExitCode}: {result.Stderr}, message: {GoQuote(result.Stdout + result.Stderr)}";
        }

        if (handler["httpGet"] is JsonObject get)
        {
            var path = get.Str("path") ?? "/";
            var uri = new Uri($"{(get.Str("scheme") ?? "HTTP").ToLowerInvariant()}://{get.Str("host") ?? podIp}:{ContainerProbe.Port(get["port"], container)}{(path.StartsWith('/') ? path : "/" + path)}");
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                foreach (var header in (get["httpHeaders"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    request.Headers.TryAddWithoutValidation(header.Str("name") ?? "", header.Str("value"));
                }

                using var response = await http.SendAsync(request, ct);
                return null;
            }
            catch (Exception e) when (e is HttpRequestException or SocketException or IOException)
            {
                return $"HTTP lifecycle hook ({path}) for Container \"{name}\" in Pod \"{pod}\" failed - error: Get \"{uri}\": {e.Message}";
            }
        }

        if (handler["sleep"] is JsonObject sleep)
        {
            await Task.Delay(TimeSpan.FromSeconds(sleep.Long("seconds") ?? 0), ct);
            return null;
        }

        // tcpSocket is accepted by the API for compatibility only; the kubelet refuses to run it.
        return $"Cannot run handler: invalid handler: {handler.ToJsonString()}";
    }

    // Go's %q: a double-quoted string with Go escapes.
    private static string GoQuote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }
}
