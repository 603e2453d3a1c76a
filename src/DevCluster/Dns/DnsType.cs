namespace AgentOperator.DevCluster.Dns;

/// <summary>The record types (RFC 1035 §3.2.2, RFC 3596, RFC 6891) the cluster DNS answers or reads.</summary>
internal enum DnsType : ushort
{
    A = 1,
    Cname = 5,
    Aaaa = 28,
    Opt = 41,
    Any = 255,
}
