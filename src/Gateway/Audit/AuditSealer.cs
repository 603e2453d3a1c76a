using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentOperator.Contracts;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// Turns records into sealed lines (<see cref="AuditChain"/>'s format) in buffers it reuses, so writing a
/// record allocates no line-sized strings or arrays. Not thread-safe: the log's single writer owns one.
/// </summary>
internal sealed class AuditSealer : IDisposable
{
    private static readonly byte[] HashMemberPrefix = Encoding.UTF8.GetBytes(AuditChain.HashMemberPrefix);
    private readonly ArrayBufferWriter<byte> _body = new(4096);
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private readonly Utf8JsonWriter _writer;

    public AuditSealer() => _writer = new Utf8JsonWriter(_body);

    public void Dispose() => _writer.Dispose();

    /// <summary>
    /// The sealed line of <paramref name="record"/> at <paramref name="sequence"/> after <paramref name="previousSha256"/>,
    /// newline included, valid until the next call; <paramref name="sha256"/> is its hash, the next record's prev.
    /// </summary>
    public ReadOnlyMemory<byte> Seal(AuditRecord record, long sequence, string previousSha256, out string sha256)
    {
        _body.ResetWrittenCount();
        _writer.Reset(_body);
        AuditRecordJson.Write(_writer, record, sequence, previousSha256);
        _writer.Flush();
        var body = _body.WrittenSpan;

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        sha256 = AuditChain.Hex(hash);

        // The body ends in '}': the hash member takes its place, then the closing brace and the newline.
        _line.ResetWrittenCount();
        _line.Write(body[..^1]);
        _line.Write(HashMemberPrefix);
        var hex = _line.GetSpan(sha256.Length);
        Encoding.ASCII.GetBytes(sha256, hex);
        _line.Advance(sha256.Length);
        _line.Write("\"}\n"u8);
        return _line.WrittenMemory;
    }
}
