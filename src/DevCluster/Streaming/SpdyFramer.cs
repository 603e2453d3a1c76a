using System.Buffers;
using System.Buffers.Binary;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// Reads and writes SPDY/3.1 frames on a byte stream (a TCP connection after an HTTP upgrade, or a WebSocket tunnel).
/// Writes are serialized, and header blocks are compressed inside the write lock, so the peer's zlib stream sees them in
/// the order it receives them.
/// </summary>
internal sealed class SpdyFramer(Stream transport) : IDisposable
{
    private const int HeaderLength = 8;
    private const ushort Version = 3;
    private readonly SpdyHeaderCodec _codec = new();
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly byte[] _header = new byte[HeaderLength];

    /// <summary>The next frame, or null when the peer closed the connection between frames.</summary>
    /// <exception cref="InvalidDataException">The bytes are not SPDY/3 frames.</exception>
    public async Task<SpdyFrame?> ReadAsync(CancellationToken ct)
    {
        if (!await FillAsync(_header, ct))
        {
            return null;
        }

        var length = (_header[5] << 16) | (_header[6] << 8) | _header[7];
        var flags = _header[4];
        var payload = new byte[length];
        if (!await FillAsync(payload, ct))
        {
            throw new InvalidDataException("SPDY frame is truncated");
        }

        if ((_header[0] & 0x80) == 0)
        {
            return new SpdyFrame(SpdyFrameType.Data, flags, BinaryPrimitives.ReadUInt32BigEndian(_header) & 0x7fffffff, 0, null, payload);
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(_header) & 0x7fff;
        if (version != Version)
        {
            throw new InvalidDataException($"SPDY version {version} is not supported");
        }

        var type = (SpdyFrameType)BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2));
        uint Word(int offset) => payload.Length >= offset + 4 ? BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(offset)) : throw new InvalidDataException($"SPDY {type} frame is too short");
        return type switch
        {
            // stream id, associated stream id, priority and slot, then the header block
            SpdyFrameType.SynStream => new SpdyFrame(type, flags, Word(0) & 0x7fffffff, 0, _codec.Decode(payload.AsSpan(Math.Min(10, payload.Length))), default),
            SpdyFrameType.SynReply or SpdyFrameType.Headers => new SpdyFrame(type, flags, Word(0) & 0x7fffffff, 0, _codec.Decode(payload.AsSpan(4)), default),
            SpdyFrameType.RstStream or SpdyFrameType.WindowUpdate or SpdyFrameType.GoAway => new SpdyFrame(type, flags, Word(0) & 0x7fffffff, Word(4), null, default),
            SpdyFrameType.Ping => new SpdyFrame(type, flags, 0, Word(0), null, default),
            _ => new SpdyFrame(type, flags, 0, 0, null, payload),
        };
    }

    public void Dispose() => _write.Dispose();

    /// <summary>Writes a data frame (FIN half-closes the stream).</summary>
    public Task WriteDataAsync(uint streamId, ReadOnlyMemory<byte> data, bool fin, CancellationToken ct)
    {
        var header = new byte[HeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(header, streamId & 0x7fffffff);
        return WriteFrameAsync(header, fin ? SpdyFrame.FlagFin : (byte)0, () => data, ct);
    }

    /// <summary>Accepts a stream the peer opened.</summary>
    public Task WriteSynReplyAsync(uint streamId, IReadOnlyDictionary<string, string> headers, CancellationToken ct) =>
        WriteControlAsync(SpdyFrameType.SynReply, 0, () =>
        {
            var block = _codec.Encode(headers);
            var payload = new byte[4 + block.Length];
            BinaryPrimitives.WriteUInt32BigEndian(payload, streamId);
            block.CopyTo(payload, 4);
            return payload;
        }, ct);

    public Task WriteRstStreamAsync(uint streamId, uint status, CancellationToken ct) =>
        WriteControlAsync(SpdyFrameType.RstStream, 0, () => Words(streamId, status), ct);

    public Task WritePingAsync(uint id, CancellationToken ct) =>
        WriteControlAsync(SpdyFrameType.Ping, 0, () => Words(id), ct);

    public Task WriteGoAwayAsync(uint lastGoodStreamId, CancellationToken ct) =>
        WriteControlAsync(SpdyFrameType.GoAway, 0, () => Words(lastGoodStreamId, 0), ct);

    private static byte[] Words(params uint[] words)
    {
        var payload = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(i * 4), words[i]);
        }

        return payload;
    }

    private Task WriteControlAsync(SpdyFrameType type, byte flags, Func<ReadOnlyMemory<byte>> payload, CancellationToken ct)
    {
        var header = new byte[HeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(header, 0x8000 | Version);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)type);
        return WriteFrameAsync(header, flags, payload, ct);
    }

    // The payload is made inside the lock (a header block's compression must follow the write order).
    private async Task WriteFrameAsync(byte[] header, byte flags, Func<ReadOnlyMemory<byte>> payload, CancellationToken ct)
    {
        await _write.WaitAsync(ct);
        try
        {
            var data = payload();
            header[4] = flags;
            header[5] = (byte)(data.Length >> 16);
            header[6] = (byte)(data.Length >> 8);
            header[7] = (byte)data.Length;
            var frame = ArrayPool<byte>.Shared.Rent(HeaderLength + data.Length);
            try
            {
                header.CopyTo(frame, 0);
                data.CopyTo(frame.AsMemory(HeaderLength));
                await transport.WriteAsync(frame.AsMemory(0, HeaderLength + data.Length), ct);
                await transport.FlushAsync(ct);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
        }
        finally
        {
            _write.Release();
        }
    }

    // Reads exactly buffer's length; false when the stream ends before the first byte.
    private async Task<bool> FillAsync(Memory<byte> buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await transport.ReadAsync(buffer[read..], ct);
            if (n == 0)
            {
                return read == 0 && buffer.Length > 0 ? false : throw new InvalidDataException("SPDY frame is truncated");
            }

            read += n;
        }

        return true;
    }
}
