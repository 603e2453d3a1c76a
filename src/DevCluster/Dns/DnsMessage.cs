using System.Buffers.Binary;
using System.Text;

namespace AgentOperator.DevCluster.Dns;

/// <summary>
/// DNS wire format (RFC 1035 §4) for a server: reads a query (header, the one question, an EDNS OPT record among the
/// additional records) and writes responses: QR, AA, the query's RD copied, RA, the question echoed as received,
/// answers with a 5 s TTL and compressed names, an OPT record when the query had one, and TC with no answers when they
/// do not fit the transport. Names are bytes: labels are kept as Latin-1 so any octet round-trips.
/// </summary>
internal static class DnsMessage
{
    public const int HeaderSize = 12;

    /// <summary>The most a UDP response may carry without EDNS (RFC 1035 §4.2.1).</summary>
    public const int ClassicUdpSize = 512;

    /// <summary>The UDP payload size this server offers over EDNS (DNS Flag Day 2020's value, no IP fragmentation).</summary>
    public const ushort ServerUdpPayloadSize = 1232;

    /// <summary>Every answer's TTL: short, so a changed Service or endpoint is seen within seconds (CoreDNS's default is 5 s too).</summary>
    public const uint Ttl = 5;

    private const ushort ClassIn = 1;
    private const int MaxNameLength = 255;

    /// <summary>Whether the packet has a header and is a query (QR clear); anything else is dropped, never answered.</summary>
    public static bool IsQuery(ReadOnlySpan<byte> packet) => packet.Length >= HeaderSize && (packet[2] & 0x80) == 0;

    /// <summary>The query's opcode (0: a standard query, the only one answered).</summary>
    public static int Opcode(ReadOnlySpan<byte> packet) => (packet[2] >> 3) & 0xF;

    /// <summary>The largest response a UDP client of this query takes: 512, or what it offered over EDNS up to ours.</summary>
    public static int UdpLimit(DnsQuery query) =>
        query.UdpPayloadSize is { } offered ? Math.Clamp((int)offered, ClassicUdpSize, ServerUdpPayloadSize) : ClassicUdpSize;

    /// <summary>Whether <paramref name="name"/> can be written as a name: labels of 1 to 63 octets, 255 octets in all (RFC 1035 §2.3.4).</summary>
    public static bool IsValidName(string name) =>
        Labels(name) is var labels && labels.All(l => l.Length is > 0 and <= 63 && l.All(c => c <= 0xFF)) && labels.Sum(l => l.Length + 1) + 1 <= MaxNameLength;

    /// <summary>The query in <paramref name="packet"/>; <see cref="DnsFormatException"/> when it is not a valid one-question query.</summary>
    public static DnsQuery ParseQuery(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < HeaderSize)
        {
            throw new DnsFormatException("shorter than a DNS header");
        }

        var questions = ReadUInt16(packet, 4);
        if (questions != 1)
        {
            throw new DnsFormatException($"{questions} questions (one is answered)");
        }

        var offset = HeaderSize;
        var labels = ReadName(packet, ref offset);
        var type = (DnsType)ReadUInt16(packet, offset);
        var cls = ReadUInt16(packet, offset + 2);
        offset += 4;

        // Answer and authority records have no business in a query but are skipped whole; the additional ones may hold EDNS's OPT.
        for (var i = ReadUInt16(packet, 6) + ReadUInt16(packet, 8); i > 0; i--)
        {
            _ = ReadRecord(packet, ref offset);
        }

        ushort? payload = null;
        byte version = 0;
        for (var i = (int)ReadUInt16(packet, 10); i > 0; i--)
        {
            var (name, recordType, recordClass, ttl) = ReadRecord(packet, ref offset);
            if (recordType != DnsType.Opt)
            {
                continue;
            }

            if (payload is not null || name.Count != 0)
            {
                throw new DnsFormatException("more than one OPT record, or one not at the root (RFC 6891 §6.1.1)");
            }

            payload = recordClass;
            version = (byte)(ttl >> 16);
        }

        return new DnsQuery(ReadUInt16(packet, 0), (packet[2] & 0x01) != 0, labels, type, cls, payload, version);
    }

    /// <summary>The response to <paramref name="query"/>; with no answers and TC set when the answers would exceed <paramref name="limit"/> bytes.</summary>
    public static byte[] Response(DnsQuery query, DnsAnswer answer, int limit)
    {
        var full = Write(query, answer, truncated: false);
        return full.Length <= limit ? full : Write(query, answer with { Records = [] }, truncated: true);
    }

    /// <summary>A header-only response to a query that cannot be answered (FORMERR, NOTIMP): its id, opcode and RD copied.</summary>
    public static byte[] Error(ReadOnlySpan<byte> packet, DnsResponseCode code)
    {
        var response = new byte[HeaderSize];
        packet[..2].CopyTo(response);
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(2), Flags(Opcode(packet), authoritative: false, truncated: false, (packet[2] & 0x01) != 0, code));
        return response;
    }

    private static byte[] Write(DnsQuery query, DnsAnswer answer, bool truncated)
    {
        var writer = new Writer();
        writer.UInt16(query.Id);
        writer.UInt16(Flags(0, answer.Authoritative, truncated, query.RecursionDesired, answer.Code));
        writer.UInt16(1);
        writer.UInt16((ushort)answer.Records.Count);
        writer.UInt16(0);
        writer.UInt16(query.UdpPayloadSize is null ? (ushort)0 : (ushort)1);
        writer.Name(query.Labels);
        writer.UInt16((ushort)query.Type);
        writer.UInt16(query.Class);
        foreach (var record in answer.Records)
        {
            writer.Name(Labels(record.Name));
            writer.UInt16((ushort)record.Type);
            writer.UInt16(ClassIn);
            writer.UInt32(Ttl);
            var lengthAt = writer.Length;
            writer.UInt16(0);
            switch (record.Type)
            {
                case DnsType.A or DnsType.Aaaa:
                    writer.Bytes(record.Address!.GetAddressBytes());
                    break;
                case DnsType.Cname:
                    writer.Name(Labels(record.Target!));
                    break;
                default:
                    throw new InvalidOperationException($"no rdata writer for {record.Type}");
            }

            writer.PatchUInt16(lengthAt, (ushort)(writer.Length - lengthAt - 2));
        }

        if (query.UdpPayloadSize is not null)
        {
            // OPT: root name, our payload size in CLASS, the extended RCODE's high bits and version 0 in TTL, no options.
            writer.Bytes([0]);
            writer.UInt16((ushort)DnsType.Opt);
            writer.UInt16(ServerUdpPayloadSize);
            writer.UInt32((uint)((int)answer.Code >> 4) << 24);
            writer.UInt16(0);
        }

        return writer.ToArray();
    }

    private static ushort Flags(int opcode, bool authoritative, bool truncated, bool recursionDesired, DnsResponseCode code) =>
        (ushort)(0x8000 | (opcode << 11) | (authoritative ? 0x0400 : 0) | (truncated ? 0x0200 : 0) | (recursionDesired ? 0x0100 : 0) | 0x0080 | ((int)code & 0xF));

    private static string[] Labels(string name) => name.TrimEnd('.') is { Length: > 0 } trimmed ? trimmed.Split('.') : [];

    private static (List<string> Name, DnsType Type, ushort Class, uint Ttl) ReadRecord(ReadOnlySpan<byte> packet, ref int offset)
    {
        var name = ReadName(packet, ref offset);
        var type = (DnsType)ReadUInt16(packet, offset);
        var cls = ReadUInt16(packet, offset + 2);
        var ttl = (uint)ReadUInt16(packet, offset + 4) << 16 | ReadUInt16(packet, offset + 6);
        var length = ReadUInt16(packet, offset + 8);
        offset += 10;
        if (offset + length > packet.Length)
        {
            throw new DnsFormatException("record data runs past the message");
        }

        offset += length;
        return (name, type, cls, ttl);
    }

    // A name's labels from offset, following compression pointers (each must point before the one that led to it, so
    // they cannot loop); offset moves past the name as it is in place (up to its first pointer).
    private static List<string> ReadName(ReadOnlySpan<byte> packet, ref int offset)
    {
        var labels = new List<string>();
        var position = offset;
        var jumped = false;
        var length = 1;
        while (true)
        {
            if (position >= packet.Length)
            {
                throw new DnsFormatException("a name runs past the message");
            }

            var b = packet[position];
            if (b == 0)
            {
                position++;
                break;
            }

            switch (b & 0xC0)
            {
                case 0xC0:
                    if (position + 1 >= packet.Length)
                    {
                        throw new DnsFormatException("a compression pointer runs past the message");
                    }

                    var target = ((b & 0x3F) << 8) | packet[position + 1];
                    if (target >= position)
                    {
                        throw new DnsFormatException("a compression pointer that does not point back");
                    }

                    if (!jumped)
                    {
                        offset = position + 2;
                        jumped = true;
                    }

                    position = target;
                    break;
                case 0x00:
                    length += b + 1;
                    if (position + 1 + b > packet.Length || length > MaxNameLength)
                    {
                        throw new DnsFormatException("a label runs past the message or the name is longer than 255 octets");
                    }

                    labels.Add(Encoding.Latin1.GetString(packet.Slice(position + 1, b)));
                    position += 1 + b;
                    break;
                default:
                    throw new DnsFormatException("a reserved label type");
            }
        }

        if (!jumped)
        {
            offset = position;
        }

        return labels;
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> packet, int offset) =>
        offset + 2 <= packet.Length ? BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]) : throw new DnsFormatException("the message ends early");

    // A growing buffer that remembers where each written name suffix starts, for compression pointers (offsets < 0x4000).
    private sealed class Writer
    {
        private readonly List<byte> _bytes = new(ClassicUdpSize);
        private readonly Dictionary<string, int> _names = new(StringComparer.OrdinalIgnoreCase);

        public int Length => _bytes.Count;

        public void UInt16(ushort value)
        {
            _bytes.Add((byte)(value >> 8));
            _bytes.Add((byte)value);
        }

        public void UInt32(uint value)
        {
            UInt16((ushort)(value >> 16));
            UInt16((ushort)value);
        }

        public void Bytes(ReadOnlySpan<byte> bytes) => _bytes.AddRange(bytes);

        public void PatchUInt16(int at, ushort value)
        {
            _bytes[at] = (byte)(value >> 8);
            _bytes[at + 1] = (byte)value;
        }

        public void Name(IReadOnlyList<string> labels)
        {
            for (var i = 0; i < labels.Count; i++)
            {
                var suffix = string.Join('.', labels.Skip(i));
                if (_names.TryGetValue(suffix, out var at))
                {
                    UInt16((ushort)(0xC000 | at));
                    return;
                }

                if (Length < 0x4000)
                {
                    _names.TryAdd(suffix, Length);
                }

                var label = Encoding.Latin1.GetBytes(labels[i]);
                _bytes.Add((byte)label.Length);
                _bytes.AddRange(label);
            }

            _bytes.Add(0);
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
