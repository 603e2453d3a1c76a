using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// One port-forward connection (portforward.k8s.io over SPDY), served as the kubelet's streaming server does: the
/// client opens an error stream and a data stream per forwarded connection, paired by their <c>requestID</c> header and
/// naming the pod's <c>port</c>; each pair becomes a TCP connection to the pod's address and port with bytes piped both
/// ways and half-closes passed on. A connection that cannot be made is reported on the error stream (kubectl prints it).
/// </summary>
internal sealed class PortForwardSession(string podDescription, Func<string?> podAddress)
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
        var address = podAddress();
        try
        {
            if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
            {
                await FailAsync(error, $"invalid port in request: \"{portText}\"", ct);
                return;
            }

            if (address is null || !IPAddress.TryParse(address, out var ip))
            {
                await FailAsync(error, $"error forwarding port {port} to pod {podDescription}: the pod has no IP address", ct);
                return;
            }

            using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(ip, port, ct);
            }
            catch (SocketException e)
            {
                await FailAsync(error, $"error forwarding port {port} to pod {podDescription}: failed to connect to {ip}:{port}: dial tcp {ip}:{port}: connect: {e.Message.ToLowerInvariant()}", ct);
                return;
            }

            await using var network = new NetworkStream(socket, ownsSocket: false);
            await Task.WhenAll(UpAsync(data, network, socket, ct), DownAsync(network, data, ct));
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
