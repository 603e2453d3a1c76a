using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using AgentOperator.DevCluster.Streaming;

namespace AgentOperator.DevCluster.Tests.Streaming;

/// <summary>
/// The SPDY/3 header codec against an independent zlib (python3's): blocks it writes inflate there one by one, blocks a
/// dictionary-primed, sync-flushed zlib stream writes (what Go's SPDY framer sends) decode here, state carrying across
/// blocks both ways; the dictionary is the one kubectl's header blocks name.
/// </summary>
public sealed class SpdyHeaderCodecTests
{
    [Fact]
    public void The_dictionary_is_the_spdy3_one_kubectl_names_in_its_header_blocks()
    {
        var dictionary = SpdyHeaderCodec.Dictionary;

        Assert.Equal(1423, dictionary.Length);
        Assert.Equal("\0\0\0\aoptions"u8.ToArray(), dictionary[..11]);
        Assert.EndsWith("charset=iso-8859-1,utf-,*,enq=0.", Encoding.ASCII.GetString(dictionary), StringComparison.Ordinal);

        // The DICTID (Adler-32) in the zlib header of kubectl's first SYN_STREAM.
        var adler = new ICSharpCode.SharpZipLib.Checksum.Adler32();
        adler.Update(dictionary);
        Assert.Equal(0xE3C6A7C2, adler.Value);
    }

    [Fact]
    public async Task Blocks_it_writes_inflate_one_by_one_with_an_independent_zlib()
    {
        var codec = new SpdyHeaderCodec();
        var first = codec.Encode(new Dictionary<string, string> { ["streamType"] = "error", ["Port"] = "8080" });
        var second = codec.Encode(new Dictionary<string, string>());
        var third = codec.Encode(new Dictionary<string, string> { ["requestid"] = new string('x', 70_000) });

        var inflated = await PythonAsync("""
            import sys, zlib
            dictionary, *blocks = sys.stdin.read().split()
            d = zlib.decompressobj(zdict=bytes.fromhex(dictionary))
            for block in blocks:
                print(d.decompress(bytes.fromhex(block)).hex())
            """, SpdyHeaderCodec.Dictionary, first, second, third);

        var blocks = inflated.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Convert.FromHexString).ToList();
        Assert.Equal(3, blocks.Count);
        Assert.Equal(Raw(("streamtype", "error"), ("port", "8080")), blocks[0]);
        Assert.Equal(Raw(), blocks[1]);
        Assert.Equal(Raw(("requestid", new string('x', 70_000))), blocks[2]);
    }

    [Fact]
    public async Task Blocks_from_a_sync_flushed_zlib_stream_decode_in_order()
    {
        var blocks = await PythonAsync("""
            import sys, zlib
            dictionary, *blocks = sys.stdin.read().split()
            c = zlib.compressobj(level=9, zdict=bytes.fromhex(dictionary))
            for raw in blocks:
                print((c.compress(bytes.fromhex(raw)) + c.flush(zlib.Z_SYNC_FLUSH)).hex())
            """, SpdyHeaderCodec.Dictionary,
            Raw(("streamtype", "error"), ("port", "8080"), ("requestid", "0")),
            Raw(("streamtype", "data"), ("port", "8080"), ("requestid", "0")));
        var codec = new SpdyHeaderCodec();

        var decoded = blocks.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(b => codec.Decode(Convert.FromHexString(b))).ToList();

        Assert.Equal("error", decoded[0]["streamType"]);
        Assert.Equal("data", decoded[1]["streamtype"]);
        Assert.All(decoded, h => Assert.Equal("8080", h["port"]));
    }

    [Fact]
    public void What_is_not_a_header_block_is_refused()
    {
        var codec = new SpdyHeaderCodec();
        var truncated = new SpdyHeaderCodec().Encode(new Dictionary<string, string> { ["a"] = "b" })[..^12];

        Assert.Throws<InvalidDataException>(() => new SpdyHeaderCodec().Decode([1, 2, 3, 4, 5]));
        Assert.Throws<InvalidDataException>(() => codec.Decode(truncated));
    }

    // A header block before compression: count, then length-prefixed names and values.
    private static byte[] Raw(params (string Name, string Value)[] headers)
    {
        var raw = new MemoryStream();
        var number = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, headers.Length);
        raw.Write(number);
        foreach (var text in headers.SelectMany(h => new[] { h.Name, h.Value }))
        {
            BinaryPrimitives.WriteInt32BigEndian(number, Encoding.UTF8.GetByteCount(text));
            raw.Write(number);
            raw.Write(Encoding.UTF8.GetBytes(text));
        }

        return raw.ToArray();
    }

    // Runs a python3 script that reads the arguments, in hex, from stdin.
    private static async Task<string> PythonAsync(string script, params byte[][] arguments)
    {
        var psi = new ProcessStartInfo("python3", ["-c", script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var python = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await python.StandardInput.WriteAsync(string.Join('\n', arguments.Select(Convert.ToHexString)));
        python.StandardInput.Close();
        var output = python.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = python.StandardError.ReadToEndAsync(timeout.Token);
        await python.WaitForExitAsync(timeout.Token);
        Assert.True(python.ExitCode == 0, await errors);
        return await output;
    }
}
