using System.IO.Pipelines;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// One SPDY stream the client opened, as a <see cref="Stream"/>: reading returns the data it sends (ending at its FIN),
/// writing sends data frames, <see cref="CloseWriteAsync"/> sends FIN (a half-close: the peer sees EOF, reading goes on).
/// </summary>
internal sealed class SpdyStream : Stream
{
    // Frames larger than this are split; the peer reads each frame into memory whole.
    private const int MaxFrameData = 32 * 1024;
    private readonly SpdyFramer _framer;
    private readonly Pipe _incoming = new(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false));
    private readonly Stream _reader;
    private int _writeClosed;
    private bool _receiveEnded;

    public SpdyStream(SpdyFramer framer, uint id, IReadOnlyDictionary<string, string> headers)
    {
        _framer = framer;
        Id = id;
        Headers = headers;
        _reader = _incoming.Reader.AsStream();
    }

    public uint Id { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _reader.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _reader.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _writeClosed) != 0)
        {
            throw new IOException($"SPDY stream {Id} is closed for writing");
        }

        for (var offset = 0; offset < buffer.Length; offset += MaxFrameData)
        {
            await _framer.WriteDataAsync(Id, buffer.Slice(offset, Math.Min(MaxFrameData, buffer.Length - offset)), false, cancellationToken);
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

    /// <summary>Sends FIN once: this side is done writing.</summary>
    public async Task CloseWriteAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _writeClosed, 1) == 0)
        {
            await _framer.WriteDataAsync(Id, default, true, ct);
        }
    }

    /// <summary>Data the client sent on this stream (the connection's reader waits while the stream's buffer is full).</summary>
    internal async Task ReceiveAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        // Data after FIN is the client's protocol error; it is dropped, as spdystream drops it.
        if (!_receiveEnded)
        {
            await _incoming.Writer.WriteAsync(data, ct);
        }
    }

    /// <summary>The client is done writing (FIN), reset the stream, or the connection ended.</summary>
    internal void EndReceiving(Exception? error = null)
    {
        if (!_receiveEnded)
        {
            _receiveEnded = true;
            _incoming.Writer.Complete(error);
        }
    }

    /// <summary>The stream was reset: nothing more is written on it.</summary>
    internal void Reset()
    {
        Volatile.Write(ref _writeClosed, 1);
        EndReceiving(new IOException($"SPDY stream {Id} was reset by the client"));
    }
}
