using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// Turns the <c>default/kubernetes</c> EndpointSlice or Endpoints into TCP endpoints: every ready address (as a /32
/// or /128) with every TCP port. FQDN slices, not-ready addresses and non-TCP ports are left out.
/// </summary>
public static class ApiServerEndpointsReader
{
    public static IReadOnlyList<NetworkEndpoint> From(V1EndpointSlice slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        if (slice.AddressType is not ("IPv4" or "IPv6"))
        {
            return [];
        }

        // EndpointConditions: a nil ready means ready (consumers must treat unknown as ready).
        var addresses = (slice.Endpoints ?? []).Where(e => e.Conditions?.Ready != false).SelectMany(e => e.Addresses ?? []);
        var ports = (slice.Ports ?? []).Where(p => p.Port is not null && IsTcp(p.Protocol)).Select(p => p.Port!.Value);
        return Combine(addresses, ports);
    }

    public static IReadOnlyList<NetworkEndpoint> From(V1Endpoints endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return [.. (endpoints.Subsets ?? []).SelectMany(subset => Combine(
            (subset.Addresses ?? []).Select(a => a.Ip),
            (subset.Ports ?? []).Where(p => IsTcp(p.Protocol)).Select(p => p.Port)))];
    }

    private static bool IsTcp(string? protocol) => protocol is null or "TCP";

    private static List<NetworkEndpoint> Combine(IEnumerable<string> addresses, IEnumerable<int> ports)
    {
        var cidrs = addresses.Select(Cidr).OfType<string>().ToList();
        return [.. ports.SelectMany(port => cidrs.Select(cidr => new NetworkEndpoint(cidr, port)))];
    }

    private static string? Cidr(string address) =>
        IPAddress.TryParse(address, out var ip)
            ? $"{ip}/{(ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32)}"
            : null;
}
