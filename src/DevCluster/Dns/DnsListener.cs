using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace AgentOperator.DevCluster.Dns;

/// <summary>
/// DNS on one address: a UDP socket (one datagram, one response) and a TCP listener (RFC 1035 §4.2.2: each message
/// after a two-byte length, several per connection, closed after 10 s idle). The responder gets a message and whether
/// it came over TCP and returns the response, or null to drop it (UDP) or close the connection (TCP).
/// </summary>
internal sealed class DnsListener : IAsyncDisposable
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly Func<ReadOnlyMemory<byte>, bool, byte[]?> _respond;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;

    private DnsListener(Socket udp, TcpListener tcp, Func<ReadOnlyMemory<byte>, bool, byte[]?> respond)
    {
        _udp = udp;
        _tcp = tcp;
        _respond = respond;
        _udpLoop = Task.Run(() => ServeUdpAsync(_stopping.Token));
        _tcpLoop = Task.Run(() => AcceptTcpAsync(_stopping.Token));
    }

    /// <summary>Binds UDP and TCP on <paramref name="endpoint"/> (a <see cref="SocketException"/> when either is taken) and starts serving.</summary>
    public static DnsListener Start(IPEndPoint endpoint, Func<ReadOnlyMemory<byte>, bool, byte[]?> respond)
    {
        var udp = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var tcp = new TcpListener(endpoint);
        try
        {
            udp.Bind(endpoint);
            tcp.Start();
        }
        catch
        {
            udp.Dispose();
            tcp.Dispose();
            throw;
        }

        return new DnsListener(udp, tcp, respond);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll(_udpLoop, _tcpLoop);
        _stopping.Dispose();
    }

    private async Task ServeUdpAsync(CancellationToken ct)
    {
        var buffer = new byte[ushort.MaxValue];
        var anyone = new IPEndPoint(_udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, anyone, ct);
                if (_respond(buffer.AsMemory(0, received.ReceivedBytes), false) is { } response)
                {
                    await _udp.SendToAsync(response, SocketFlags.None, received.RemoteEndPoint, ct);
                }
            }
            catch (SocketException)
            {
                // One client's trouble (an ICMP error for an earlier reply, a send refused) is not the server's.
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task AcceptTcpAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _tcp.AcceptTcpClientAsync(ct);
            }
            catch (SocketException)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            // Not awaited: each connection ends on its own (its client leaves, it idles out, or the listener stops).
            _ = ServeTcpAsync(client, ct);
        }
    }

    private async Task ServeTcpAsync(TcpClient client, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var length = new byte[2];
                while (true)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    idle.CancelAfter(IdleTimeout);
                    await stream.ReadExactlyAsync(length, idle.Token);
                    var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                    await stream.ReadExactlyAsync(message, idle.Token);
                    if (_respond(message, true) is not { } response)
                    {
                        return;
                    }

                    var framed = new byte[response.Length + 2];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)response.Length);
                    response.CopyTo(framed, 2);
                    await stream.WriteAsync(framed, idle.Token);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or OperationCanceledException or ObjectDisposedException)
            {
                // The client left, idled out or the listener stopped.
            }
        }
    }
}
