using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// An exec's streams over a WebSocket (v4.channel.k8s.io and v5.channel.k8s.io): each binary message starts with its
/// channel, 0 stdin, 1 stdout, 2 stderr, 3 error (the final Status), 4 resize (<c>{"Width":…,"Height":…}</c>); in v5 the
/// message <c>[255, channel]</c> closes that channel (kubectl closes stdin so at its EOF).
/// </summary>
internal sealed class WebSocketExecStreams : IExecStreams
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";
    private const byte StdinChannel = 0;
    private const byte StdoutChannel = 1;
    private const byte StderrChannel = 2;
    private const byte ErrorChannel = 3;
    private const byte ResizeChannel = 4;
    private const byte CloseSignal = 255;
    private const int MaxMessageData = 32 * 1024;
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly Pipe? _stdin;
    private readonly Channel<TerminalSize> _resizes = Channel.CreateUnbounded<TerminalSize>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;

    private WebSocketExecStreams(WebSocket socket, ExecOptions options)
    {
        _socket = socket;
        _stdin = options.Stdin ? new Pipe(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false)) : null;
        Stdin = _stdin?.Reader.AsStream();
        Stdout = options.Stdout ? new ChannelWriteStream((data, ct) => SendAsync(StdoutChannel, data, ct)) : null;
        Stderr = options.Stderr && !options.Tty ? new ChannelWriteStream((data, ct) => SendAsync(StderrChannel, data, ct)) : null;
        _receiving = Task.Run(ReceiveAsync);
    }

    public Stream? Stdin { get; }

    public Stream? Stdout { get; }

    public Stream? Stderr { get; }

    public ChannelReader<TerminalSize> Resizes => _resizes.Reader;

    /// <summary>Accepts the WebSocket with <paramref name="protocol"/> and, as the kubelet does, tells the client the streams are up with an empty message on the first output channel.</summary>
    public static async Task<WebSocketExecStreams> AcceptAsync(HttpContext ctx, string protocol, ExecOptions options)
    {
        var socket = await ctx.WebSockets.AcceptWebSocketAsync(protocol);
        var streams = new WebSocketExecStreams(socket, options);
        await streams.SendAsync(options.Stdout ? StdoutChannel : options.Stderr ? StderrChannel : ErrorChannel, default, ctx.RequestAborted);
        return streams;
    }

    public Task WriteStatusAsync(JsonObject status, CancellationToken ct) => SendAsync(ErrorChannel, status.ToUtf8(), ct);

    public async ValueTask DisposeAsync()
    {
        // A normal closure: the client's readers see EOF and it answers with its own close.
        try
        {
            using var timeout = new CancellationTokenSource(CloseWait);
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            await _receiving.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
        {
        }

        await _stop.CancelAsync();
        await _receiving;
        _stop.Dispose();
        _send.Dispose();
    }

    private async Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var message = new byte[1 + Math.Min(data.Length, MaxMessageData)];
        message[0] = channel;
        await _send.WaitAsync(ct);
        try
        {
            var offset = 0;
            do
            {
                var part = data.Slice(offset, Math.Min(MaxMessageData, data.Length - offset));
                part.CopyTo(message.AsMemory(1));
                await _socket.SendAsync(message.AsMemory(0, 1 + part.Length), WebSocketMessageType.Binary, endOfMessage: true, ct);
                offset += part.Length;
            }
            while (offset < data.Length);
        }
        catch (WebSocketException e)
        {
            throw new IOException("the exec client is gone: " + e.Message, e);
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[MaxMessageData];
        var resize = new MemoryStream();
        byte? channel = null;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var data = buffer.AsMemory(0, result.Count);
                if (channel is null && data.Length > 0)
                {
                    channel = data.Span[0];
                    data = data[1..];
                }

                switch (channel)
                {
                    case StdinChannel when _stdin is not null && data.Length > 0:
                        await _stdin.Writer.WriteAsync(data, _stop.Token);
                        break;
                    case ResizeChannel:
                        resize.Write(data.Span);
                        break;
                    case CloseSignal when data.Length > 0 && data.Span[0] == StdinChannel:
                        await (_stdin?.Writer.CompleteAsync() ?? ValueTask.CompletedTask);
                        break;
                }

                if (result.EndOfMessage)
                {
                    if (channel == ResizeChannel && Parse(resize.ToArray()) is { } size)
                    {
                        _resizes.Writer.TryWrite(size);
                    }

                    resize.SetLength(0);
                    channel = null;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or InvalidOperationException)
        {
            // The client left (or stdin was already closed by it).
        }
        finally
        {
            await (_stdin?.Writer.CompleteAsync() ?? ValueTask.CompletedTask);
            _resizes.Writer.TryComplete();
        }
    }

    private static TerminalSize? Parse(byte[] json)
    {
        try
        {
            return JsonNode.Parse(json) is JsonObject o && o.Long("Width") is { } w && o.Long("Height") is { } h ? new TerminalSize((ushort)w, (ushort)h) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
