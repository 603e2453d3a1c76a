using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentOperator.DevCluster.Tests.Dns;

/// <summary>
/// A process on the host listening on one address (the node's bridge address, as dev mode's stand-ins do), at a port
/// picked at run time: every HTTP request gets 200 with a fixed body; the request lines it got are kept.
/// </summary>
internal sealed class BridgeHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _body;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    public BridgeHttpServer(IPAddress address, string body)
    {
        _body = body;
        _listener = new TcpListener(address, 0);
        _listener.Start();
        _accepting = AcceptAsync(_stopping.Token);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The request lines received (e.g. <c>GET /tools/read_ticket HTTP/1.1</c>).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            {
                try
                {
                    using var reader = new StreamReader(client.GetStream(), Encoding.ASCII, leaveOpen: true);
                    Requests.Enqueue(await reader.ReadLineAsync(ct) ?? "");
                    while (!string.IsNullOrEmpty(await reader.ReadLineAsync(ct)))
                    {
                    }

                    var body = Encoding.UTF8.GetBytes(_body);
                    await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n").Concat(body).ToArray(), ct);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException)
                {
                }
            }
        }
    }
}
