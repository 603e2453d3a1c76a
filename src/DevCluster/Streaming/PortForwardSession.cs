using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentOperator.DevCluster.Node;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// One port-forward connection (portforward.k8s.io over SPDY), served as the kubelet's streaming server and containerd
/// do: the client opens an error stream and a data stream per forwarded connection, paired by their <c>requestID</c>
/// header and naming the pod's <c>port</c>; each pair becomes a TCP connection made inside the pod's network namespace
/// to <c>localhost</c> (127.0.0.1, then ::1), so a server bound to the pod's loopback is reached, with bytes piped both
/// ways and half-closes passed on. A connection that cannot be made is reported on the error stream (kubectl prints it).
/// </summary>
/// <param name="podDescription">The pod as the kubelet names it in errors ("name_namespace, uid UID").</param>
/// <param name="pod">The node's worker for the pod when each connection is made (it changes if the pod is recreated
/// under its name); null while the node runs no such pod.</param>
internal sealed class PortForwardSession(string podDescription, Func<PodWorker?> pod)
{
    private readonly ConcurrentDictionary<string, (SpdyStream? Data, SpdyStream? Error)> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _forwards = [];

    public async Task RunAsync(Stream transport, CancellationToken ct)
    {
        using var connection = new SpdyConnection(transport);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await connection.RunAsync(stream => Accept(stream, gone.Token), ct);

        // The client left: connections still open go with it.
        await gone.CancelAsync();
        await Task.WhenAll(_forwards);
    }

    private void Accept(SpdyStream stream, CancellationToken ct)
    {
        var requestId = stream.Headers.GetValueOrDefault("requestid") ?? "";
        var type = stream.Headers.GetValueOrDefault("streamtype");
        var pair = _pending.AddOrUpdate(requestId,
            _ => type == "data" ? (stream, null) : (null, stream),
            (_, p) => type == "data" ? (stream, p.Error) : (p.Data, stream));
        if (pair is { Data: { } data, Error: { } error } && _pending.TryRemove(requestId, out _))
        {
            _forwards.Add(Task.Run(() => ForwardAsync(data, error, ct), CancellationToken.None));
        }
    }

    private async Task ForwardAsync(SpdyStream data, SpdyStream error, CancellationToken ct)
    {
        var portText = data.Headers.GetValueOrDefault("port") ?? "";
        try
        {
            if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
            {
                await FailAsync(error, $"invalid port in request: \"{portText}\"", ct);
                return;
            }

            if (pod() is not { } worker)
            {
                await FailAsync(error, $"error forwarding port {port} to pod {podDescription}: the pod is not running on this node", ct);
                return;
            }

            // Never the node's own localhost for a pod that has a namespace of its own, even before it exists.
            if (!worker.UsesNodeNetwork && worker.NetworkNamespace is null)
            {
                await FailAsync(error, $"error forwarding port {port} to pod {podDescription}: the pod's network namespace does not exist yet", ct);
                return;
            }

            var (socket, failure) = await DialLocalhostAsync(worker.NetworkNamespace, port, ct);
            if (socket is null)
            {
                await FailAsync(error, $"error forwarding port {port} to pod {podDescription}: failed to execute portforward in network namespace \"{worker.NetworkNamespace ?? "host"}\": {failure}", ct);
                return;
            }

            using var connected = socket;
            await using var network = new NetworkStream(connected, ownsSocket: false);
            await Task.WhenAll(UpAsync(data, network, connected, ct), DownAsync(network, data, ct));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The client or the pod went away mid-stream.
        }
        finally
        {
            await CloseAsync(data);
            await CloseAsync(error);
        }
    }

    // containerd tries IPv4 first and IPv6 after, one at a time (a parallel dial would leave the namespace).
    private static async Task<(Socket? Socket, string Failure)> DialLocalhostAsync(string? networkNamespace, int port, CancellationToken ct)
    {
        var failures = new List<string>();
        foreach (var (family, address, network) in new[] { (AddressFamily.InterNetwork, IPAddress.Loopback, "tcp4"), (AddressFamily.InterNetworkV6, IPAddress.IPv6Loopback, "tcp6") })
        {
            Socket socket;
            try
            {
                socket = await NetworkNamespaceSockets.CreateAsync(networkNamespace, family);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
            {
                failures.Add(e.Message);
                continue;
            }

            try
            {
                await socket.ConnectAsync(address, port, ct);
                return (socket, "");
            }
            catch (SocketException e)
            {
                socket.Dispose();
                failures.Add($"dial {network} {new IPEndPoint(address, port)}: connect: {e.Message.ToLowerInvariant()}");
            }
        }

        return (null, $"failed to connect to localhost:{port} inside the pod's network namespace, IPv4: {failures[0]} IPv6: {failures[^1]}");
    }

    // Client to pod; the client's FIN becomes the pod's EOF (a half-close, so the answer still flows back).
    private static async Task UpAsync(SpdyStream data, NetworkStream network, Socket socket, CancellationToken ct)
    {
        await data.CopyToAsync(network, ct);
        socket.Shutdown(SocketShutdown.Send);
    }

    // Pod to client, until the pod closes its side.
    private static async Task DownAsync(NetworkStream network, SpdyStream data, CancellationToken ct)
    {
        await network.CopyToAsync(data, 64 * 1024, ct);
        await data.CloseWriteAsync(ct);
    }

    private static async Task FailAsync(SpdyStream error, string message, CancellationToken ct)
    {
        await error.WriteAsync(Encoding.UTF8.GetBytes(message), ct);
        await error.CloseWriteAsync(ct);
    }

    private static async Task CloseAsync(SpdyStream stream)
    {
        try
        {
            await stream.CloseWriteAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }
}
