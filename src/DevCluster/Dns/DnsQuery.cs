namespace AgentOperator.DevCluster.Dns;

/// <summary>
/// A parsed query: its id, the RD flag to copy, the question (labels as received, so the answer echoes their case) and,
/// when the client sent an EDNS OPT record, the UDP payload size and EDNS version it offered.
/// </summary>
internal sealed record DnsQuery(ushort Id, bool RecursionDesired, IReadOnlyList<string> Labels, DnsType Type, ushort Class, ushort? UdpPayloadSize, byte EdnsVersion)
{
    /// <summary>The question's name without the root's trailing dot (empty for the root).</summary>
    public string Name => string.Join('.', Labels);
}
