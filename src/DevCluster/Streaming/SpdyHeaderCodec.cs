using System.Buffers.Binary;
using System.Text;
using ICSharpCode.SharpZipLib.Checksum;
using ICSharpCode.SharpZipLib.Zip.Compression;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// SPDY/3 header blocks (SYN_STREAM, SYN_REPLY, HEADERS): a count, then length-prefixed name/value pairs, compressed
/// with one zlib stream per direction for the whole connection, primed with the protocol's dictionary and flushed
/// after each block. One codec per connection: its state carries from block to block, as the peer's does. Reading
/// inflates with SharpZipLib (System.IO.Compression has no preset dictionaries).
/// </summary>
internal sealed class SpdyHeaderCodec
{
    private readonly Inflater _inflater = new();
    private bool _headerWritten;

    /// <summary>The SPDY/3 zlib dictionary (draft 3, 2.6.10.1): length-prefixed header names and values, then common text.</summary>
    public static byte[] Dictionary { get; } = BuildDictionary();

    /// <summary>
    /// One header block (names lower-cased, as SPDY/3 requires) as the next part of this direction's zlib stream. The
    /// blocks are stored, not compressed, and end with a sync flush, so each is whole within its frame; a few header bytes
    /// per stream are not worth compressing.
    /// </summary>
    public byte[] Encode(IReadOnlyDictionary<string, string> headers)
    {
        var raw = new MemoryStream();
        var number = new byte[4];
        void Write(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            BinaryPrimitives.WriteInt32BigEndian(number, bytes.Length);
            raw.Write(number);
            raw.Write(bytes);
        }

        BinaryPrimitives.WriteInt32BigEndian(number, headers.Count);
        raw.Write(number);
        foreach (var (name, value) in headers)
        {
            Write(name.ToLowerInvariant());
            Write(value);
        }

        var output = new MemoryStream();
        if (!_headerWritten)
        {
            // zlib header: deflate with a 32 KiB window, FDICT set (0x7820 is a multiple of 31), the dictionary's Adler-32.
            _headerWritten = true;
            output.Write([0x78, 0x20]);
            var adler = new Adler32();
            adler.Update(Dictionary);
            var id = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(id, (uint)adler.Value);
            output.Write(id);
        }

        var data = raw.ToArray();
        for (var offset = 0; offset == 0 || offset < data.Length; offset += ushort.MaxValue)
        {
            // A stored block that is not the last: BFINAL 0, BTYPE 00, LEN and its complement (little-endian), the bytes.
            var length = (ushort)Math.Min(ushort.MaxValue, data.Length - offset);
            output.WriteByte(0);
            output.Write([(byte)length, (byte)(length >> 8), (byte)~length, (byte)(~length >> 8)]);
            output.Write(data, offset, length);
        }

        // The sync-flush marker, an empty stored block: Go's inflater returns a block's bytes only once it has read the
        // next block's header, and must find it within this frame.
        output.Write([0, 0, 0, 0xff, 0xff]);
        return output.ToArray();
    }

    /// <summary>Decompresses one header block: names as sent (lower case), a repeated value's parts joined by NUL as on the wire.</summary>
    /// <exception cref="InvalidDataException">The block is not a valid header block.</exception>
    public Dictionary<string, string> Decode(ReadOnlySpan<byte> block)
    {
        _inflater.SetInput(block.ToArray());
        var raw = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var count = _inflater.Inflate(buffer);
                if (count > 0)
                {
                    raw.Write(buffer, 0, count);
                }
                else if (_inflater.IsNeedingDictionary)
                {
                    _inflater.SetDictionary(Dictionary);
                }
                else if (_inflater.IsNeedingInput || _inflater.IsFinished)
                {
                    break;
                }
            }
        }
        catch (ICSharpCode.SharpZipLib.SharpZipBaseException e)
        {
            throw new InvalidDataException("SPDY header block does not decompress: " + e.Message, e);
        }

        return Parse(raw.ToArray());
    }

    private static Dictionary<string, string> Parse(ReadOnlySpan<byte> raw)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var offset = 0;
        string Next(ReadOnlySpan<byte> data)
        {
            if (data.Length < offset + 4)
            {
                throw new InvalidDataException("SPDY header block is truncated");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(data[offset..]);
            offset += 4;
            if (length < 0 || data.Length < offset + length)
            {
                throw new InvalidDataException("SPDY header block is truncated");
            }

            var text = Encoding.UTF8.GetString(data.Slice(offset, length));
            offset += length;
            return text;
        }

        if (raw.Length < 4)
        {
            throw new InvalidDataException("SPDY header block is truncated");
        }

        var pairs = BinaryPrimitives.ReadInt32BigEndian(raw);
        offset = 4;
        for (var i = 0; i < pairs; i++)
        {
            var name = Next(raw);
            var value = Next(raw);
            if (!headers.TryAdd(name, value))
            {
                throw new InvalidDataException($"SPDY header block repeats header \"{name}\"");
            }
        }

        return headers;
    }

    private static byte[] BuildDictionary()
    {
        string[] words =
        [
            "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
            "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
            "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
            "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
            "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate",
            "proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade",
            "user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK", "version",
            "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
        ];
        const string Text = "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
            + "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
            + "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
            + "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
            + "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
            + "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
        var dictionary = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var word in words)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, word.Length);
            dictionary.Write(length);
            dictionary.Write(Encoding.ASCII.GetBytes(word));
        }

        dictionary.Write(Encoding.ASCII.GetBytes(Text));
        return dictionary.ToArray();
    }
}
