using System.Net;

namespace AgentOperator.DevCluster.Dns;

/// <summary>One answer record: A/AAAA carry an address, CNAME a target name.</summary>
internal sealed record DnsRecord(string Name, DnsType Type, IPAddress? Address = null, string? Target = null)
{
    public static DnsRecord ForAddress(string name, IPAddress address) =>
        new(name, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? DnsType.Aaaa : DnsType.A, Address: address);

    public static DnsRecord Cname(string name, string target) => new(name, DnsType.Cname, Target: target);
}
