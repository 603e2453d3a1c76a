namespace AgentOperator.DevCluster.Tests.Dns;

/// <summary>A response as the probe read it: header fields, the echoed question, the answers.</summary>
internal sealed record DnsReply(ushort Id, ushort Flags, (string Name, ushort Type, ushort Class) Question, List<DnsReplyRecord> Answers, int AdditionalCount, byte[] Raw)
{
    public int ResponseCode => Flags & 0xF;

    public bool IsResponse => (Flags & 0x8000) != 0;

    public bool Authoritative => (Flags & 0x0400) != 0;

    public bool Truncated => (Flags & 0x0200) != 0;

    public bool RecursionDesired => (Flags & 0x0100) != 0;

    public bool RecursionAvailable => (Flags & 0x0080) != 0;

    public IEnumerable<string> Addresses => Answers.Where(a => a.Type is DnsProbe.A or DnsProbe.Aaaa).Select(a => a.Data);

    public override string ToString() =>
        $"id {Id} flags {Flags:X4} rcode {ResponseCode} question {Question} answers [{string.Join(", ", Answers)}]";
}
