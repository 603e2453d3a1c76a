using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentOperator.DevCluster.Tests.Dns;

/// <summary>
/// A small DNS client for the tests, written apart from the server's codec (so a codec bug cannot agree with itself):
/// builds queries byte by byte and reads responses, following compression pointers, over UDP or TCP.
/// </summary>
internal static class DnsProbe
{
    public const ushort A = 1;
    public const ushort Cname = 5;
    public const ushort Aaaa = 28;
    public const ushort Opt = 41;

    /// <summary>A standard query (RD set) for one name, with an OPT record offering <paramref name="ednsPayload"/> when given.</summary>
    public static byte[] Query(ushort id, string name, ushort type, ushort? ednsPayload = null, byte ednsVersion = 0)
    {
        var bytes = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, ednsPayload is null ? (byte)0 : (byte)1 };
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        if (ednsPayload is { } payload)
        {
            bytes.AddRange([0, 0, (byte)Opt, (byte)(payload >> 8), (byte)payload, 0, ednsVersion, 0, 0, 0, 0]);
        }

        return [.. bytes];
    }

    public static DnsReply Parse(byte[] message)
    {
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(2));
        var offset = 12;
        var question = ("", (ushort)0, (ushort)0);
        if (BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(4)) > 0)
        {
            // Header-only answers (FORMERR, NOTIMP) have no question.
            question = (Name(message, ref offset), BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset)), BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset + 2)));
            offset += 4;
        }
        var answers = new List<DnsReplyRecord>();
        for (var i = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(6)); i > 0; i--)
        {
            var name = Name(message, ref offset);
            var type = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset));
            var cls = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset + 2));
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(offset + 4));
            var length = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset + 8));
            offset += 10;
            var dataAt = offset;
            var data = type switch
            {
                A or Aaaa => new IPAddress(message.AsSpan(offset, length)).ToString(),
                Cname => Name(message, ref dataAt),
                _ => Convert.ToHexString(message.AsSpan(offset, length)),
            };
            offset += length;
            answers.Add(new DnsReplyRecord(name, type, cls, ttl, data));
        }

        return new DnsReply(BinaryPrimitives.ReadUInt16BigEndian(message), flags, question, answers, BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(10)), message);
    }

    /// <summary>One query over UDP; fails the test when no answer comes within <paramref name="timeout"/>.</summary>
    public static async Task<DnsReply> UdpAsync(IPAddress server, byte[] query, TimeSpan? timeout = null)
    {
        using var udp = new UdpClient(server.AddressFamily);
        udp.Connect(server, 53);
        await udp.SendAsync(query);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            return Parse((await udp.ReceiveAsync(cts.Token)).Buffer);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no UDP answer from {server}:53 within {(timeout ?? TimeSpan.FromSeconds(5)).TotalSeconds} s");
            throw;
        }
    }

    /// <summary>Queries over one TCP connection, each framed with its two-byte length.</summary>
    public static async Task<List<DnsReply>> TcpAsync(IPAddress server, params byte[][] queries)
    {
        using var tcp = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tcp.ConnectAsync(server, 53, cts.Token);
        var stream = tcp.GetStream();
        var replies = new List<DnsReply>();
        foreach (var query in queries)
        {
            var framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            await stream.WriteAsync(framed, cts.Token);
            var length = new byte[2];
            await stream.ReadExactlyAsync(length, cts.Token);
            var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            await stream.ReadExactlyAsync(message, cts.Token);
            replies.Add(Parse(message));
        }

        return replies;
    }

    private static string Name(byte[] message, ref int offset)
    {
        var labels = new List<string>();
        var position = offset;
        var jumped = false;
        while (message[position] != 0)
        {
            if ((message[position] & 0xC0) == 0xC0)
            {
                if (!jumped)
                {
                    offset = position + 2;
                    jumped = true;
                }

                position = ((message[position] & 0x3F) << 8) | message[position + 1];
                continue;
            }

            labels.Add(Encoding.ASCII.GetString(message, position + 1, message[position]));
            position += 1 + message[position];
        }

        if (!jumped)
        {
            offset = position + 1;
        }

        return string.Join('.', labels);
    }
}
