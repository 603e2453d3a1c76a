using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// An exec's streams over SPDY/3.1 (remotecommand v4.channel.k8s.io, what kubectl falls back to when the WebSocket
/// upgrade is refused): the client opens one stream per <c>streamType</c> header (error, stdin, stdout, stderr, resize)
/// before anything runs; each output ends with FIN, stdin at the client's FIN; sizes are newline-separated JSON.
/// </summary>
internal sealed class SpdyExecStreams : IExecStreams
{
    public const string V4 = "v4.channel.k8s.io";

    // The kubelet's streamCreationTimeout.
    private static readonly TimeSpan StreamCreation = TimeSpan.FromSeconds(30);
    private readonly SpdyConnection _connection;
    private readonly Task _running;
    private readonly SpdyStream _error;
    private readonly SpdyStream? _stdout;
    private readonly SpdyStream? _stderr;
    private readonly Channel<TerminalSize> _resizes = Channel.CreateUnbounded<TerminalSize>();
    private readonly CancellationToken _ct;

    private SpdyExecStreams(SpdyConnection connection, Task running, IReadOnlyDictionary<string, SpdyStream> streams, CancellationToken ct)
    {
        _connection = connection;
        _running = running;
        _ct = ct;
        _error = streams["error"];
        Stdin = streams.GetValueOrDefault("stdin");
        _stdout = streams.GetValueOrDefault("stdout");
        _stderr = streams.GetValueOrDefault("stderr");
        if (streams.GetValueOrDefault("resize") is { } resize)
        {
            _ = Task.Run(() => ReadSizesAsync(resize), CancellationToken.None);
        }
        else
        {
            _resizes.Writer.TryComplete();
        }
    }

    public Stream? Stdin { get; }

    public Stream? Stdout => _stdout;

    public Stream? Stderr => _stderr;

    public ChannelReader<TerminalSize> Resizes => _resizes.Reader;

    /// <summary>Serves the SPDY connection on <paramref name="transport"/> and waits for the streams the options call for.</summary>
    /// <exception cref="IOException">The client did not open them in time, or left.</exception>
    public static async Task<SpdyExecStreams> OpenAsync(Stream transport, ExecOptions options, CancellationToken ct)
    {
        List<string> expected = ["error"];
        expected.AddRange(new[] { (options.Stdin, "stdin"), (options.Stdout, "stdout"), (options.Stderr && !options.Tty, "stderr") }.Where(s => s.Item1).Select(s => s.Item2));
        var streams = new ConcurrentDictionary<string, SpdyStream>(StringComparer.Ordinal);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connection = new SpdyConnection(transport);
        var running = connection.RunAsync(stream =>
        {
            streams[stream.Headers.GetValueOrDefault("streamtype") ?? ""] = stream;
            if (expected.All(streams.ContainsKey) && (!options.Tty || streams.ContainsKey("resize")))
            {
                ready.TrySetResult();
            }
        }, ct);
        try
        {
            await Task.WhenAny(ready.Task, running).WaitAsync(StreamCreation, ct);
        }
        catch (TimeoutException)
        {
        }

        if (!ready.Task.IsCompleted)
        {
            await connection.GoAwayAsync(ct);
            connection.Dispose();
            throw new IOException("timed out waiting for client to create streams");
        }

        return new SpdyExecStreams(connection, running, streams, ct);
    }

    public async Task WriteStatusAsync(JsonObject status, CancellationToken ct)
    {
        await _error.WriteAsync(status.ToUtf8(), ct);
        await _error.CloseWriteAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var stream in new[] { _stdout, _stderr, _error }.OfType<SpdyStream>())
            {
                await stream.CloseWriteAsync(_ct);
            }

            await _connection.GoAwayAsync(_ct);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }

        // The client closes the connection once it has read every stream to its end.
        await _running.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        _connection.Dispose();
    }

    private async Task ReadSizesAsync(SpdyStream resize)
    {
        var pending = new List<byte>();
        var buffer = new byte[1024];
        try
        {
            int n;
            while ((n = await resize.ReadAsync(buffer, _ct)) > 0)
            {
                pending.AddRange(buffer.AsSpan(0, n));
                int newline;
                while ((newline = pending.IndexOf((byte)'\n')) >= 0)
                {
                    var line = Encoding.UTF8.GetString(pending.GetRange(0, newline).ToArray());
                    pending.RemoveRange(0, newline + 1);
                    if (JsonNode.Parse(line) is JsonObject o && o.Long("Width") is { } w && o.Long("Height") is { } h)
                    {
                        _resizes.Writer.TryWrite(new TerminalSize((ushort)w, (ushort)h));
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or JsonException or OperationCanceledException)
        {
        }
        finally
        {
            _resizes.Writer.TryComplete();
        }
    }
}
