using System.Net.WebSockets;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// A byte stream tunnelled through a WebSocket, as client-go's TunnelingConnection makes one for SPDY: each write is one
/// binary message, reads return the messages' bytes in order; the client's close message is the end of the stream, and
/// a broken WebSocket is an <see cref="IOException"/>, as a broken connection is.
/// </summary>
internal sealed class WebSocketTunnelStream(WebSocket socket) : Stream
{
    private readonly SemaphoreSlim _send = new(1, 1);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, cancellationToken);
            }
            catch (WebSocketException e)
            {
                throw new IOException("the tunnel broke: " + e.Message, e);
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return 0;
            }

            if (result.MessageType != WebSocketMessageType.Binary)
            {
                throw new IOException("the tunnel carries binary messages only");
            }

            // An empty message carries nothing; 0 would read as the end.
            if (result.Count > 0)
            {
                return result.Count;
            }
        }

        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(buffer, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
        }
        catch (WebSocketException e)
        {
            throw new IOException("the tunnel broke: " + e.Message, e);
        }
        finally
        {
            _send.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _send.Dispose();
        }

        base.Dispose(disposing);
    }
}
