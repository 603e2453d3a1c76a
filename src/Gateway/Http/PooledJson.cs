using System.Buffers;
using System.Text.Json;

namespace AgentOperator.Gateway.Http;

/// <summary>
/// Writes JSON through a per-thread buffer and writer that are reused, and returns an exact-size copy: one
/// allocation per document instead of a growing buffer, a writer and a node tree.
/// </summary>
public static class PooledJson
{
    // Larger buffers are dropped after use rather than kept per thread.
    private const int KeptCapacity = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The UTF-8 JSON that <paramref name="write"/> writes for <paramref name="state"/> (which must not call back in here).</summary>
    public static byte[] ToBytes<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(1024);
        var writer = t_writer ?? new Utf8JsonWriter(buffer);
        t_buffer = null;
        t_writer = null;
        writer.Reset(buffer);
        try
        {
            write(writer, state);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            buffer.ResetWrittenCount();
            if (buffer.Capacity <= KeptCapacity)
            {
                t_buffer = buffer;
                t_writer = writer;
            }
        }
    }
}
