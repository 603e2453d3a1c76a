using System.Collections.Concurrent;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// The server side of a SPDY/3.1 connection as Kubernetes' streaming protocols use it (moby/spdystream): the client
/// opens every stream; each is accepted with an empty SYN_REPLY and handed to the caller; pings are answered; the
/// connection ends at the client's GOAWAY or EOF. Like spdystream, no flow-control windows are kept (it sends no
/// WINDOW_UPDATE and ignores them); a stream whose reader falls behind holds up the connection's reads instead.
/// </summary>
internal sealed class SpdyConnection(Stream transport) : IDisposable
{
    private readonly ConcurrentDictionary<uint, SpdyStream> _streams = new();

    public SpdyFramer Framer { get; } = new(transport);

    /// <summary>Reads frames until the client leaves, giving each new stream to <paramref name="accepted"/>.</summary>
    public async Task RunAsync(Action<SpdyStream> accepted, CancellationToken ct)
    {
        try
        {
            while (await Framer.ReadAsync(ct) is { } frame)
            {
                switch (frame.Type)
                {
                    case SpdyFrameType.SynStream:
                        var stream = new SpdyStream(Framer, frame.StreamId, frame.Headers!);
                        if (!_streams.TryAdd(frame.StreamId, stream))
                        {
                            await Framer.WriteRstStreamAsync(frame.StreamId, RstStreamInUse, ct);
                            continue;
                        }

                        if (frame.Fin)
                        {
                            stream.EndReceiving();
                        }

                        await Framer.WriteSynReplyAsync(frame.StreamId, new Dictionary<string, string>(), ct);
                        accepted(stream);
                        break;
                    case SpdyFrameType.Data when _streams.TryGetValue(frame.StreamId, out var target):
                        if (frame.Data.Length > 0)
                        {
                            await target.ReceiveAsync(frame.Data, ct);
                        }

                        if (frame.Fin)
                        {
                            target.EndReceiving();
                        }

                        break;
                    case SpdyFrameType.RstStream when _streams.TryRemove(frame.StreamId, out var reset):
                        reset.Reset();
                        break;

                    // Odd ids are the client's pings: echoed. Even ones would answer ours; the server sends none.
                    case SpdyFrameType.Ping when frame.Value % 2 == 1:
                        await Framer.WritePingAsync(frame.Value, ct);
                        break;
                    case SpdyFrameType.GoAway:
                        return;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            // The client's connection broke, or it sent what is not SPDY: the connection ends.
        }
        finally
        {
            foreach (var stream in _streams.Values)
            {
                stream.EndReceiving();
            }
        }
    }

    /// <summary>Says goodbye: no more streams will be accepted.</summary>
    public async Task GoAwayAsync(CancellationToken ct)
    {
        try
        {
            await Framer.WriteGoAwayAsync(_streams.Keys.DefaultIfEmpty(0u).Max(), ct);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose() => Framer.Dispose();

    private const uint RstStreamInUse = 8;
}
