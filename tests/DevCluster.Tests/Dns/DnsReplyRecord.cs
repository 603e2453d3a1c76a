namespace AgentOperator.DevCluster.Tests.Dns;

/// <summary>One answer record: A/AAAA data is the address, CNAME data the target name.</summary>
internal sealed record DnsReplyRecord(string Name, ushort Type, ushort Class, uint Ttl, string Data);
