using System.Net;
using System.Net.Sockets;

namespace AgentOperator.Operator.Provisioning;

/// <summary>Where an upstream (a tool, a model endpoint, the OTLP collector) lives, as far as a NetworkPolicy can tell.</summary>
public abstract record UpstreamHost(int Port)
{
    /// <summary>A literal IP address: one ipBlock and port.</summary>
    public sealed record Address(IPAddress Ip, int Port) : UpstreamHost(Port)
    {
        /// <summary>The address as a /32 or /128 CIDR.</summary>
        public string Cidr => Ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"{Ip}/128" : $"{Ip}/32";
    }

    /// <summary>A Service of the cluster in <paramref name="Namespace"/>.</summary>
    public sealed record InCluster(string Namespace, int Port) : UpstreamHost(Port);

    /// <summary>A DNS name outside the cluster: NetworkPolicy has no way to name it.</summary>
    public sealed record External(string Host, int Port) : UpstreamHost(Port);

    /// <summary>
    /// Classifies <paramref name="url"/>. A bare name (<c>crm</c>) is a Service of <paramref name="ownNamespace"/>;
    /// <c>svc.ns.svc</c> and <c>svc.ns.svc.{clusterDomain}</c> are Services of ns. <c>a.b</c> is both a possible
    /// Service a of namespace b (the pod's DNS search path tries that first) and a possible external host,
    /// so it yields both. Anything else with a dot is external. Returns nothing for a URL that does not parse.
    /// </summary>
    public static IEnumerable<UpstreamHost> Parse(string url, string ownNamespace, string clusterDomain)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port <= 0)
        {
            yield break;
        }

        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            yield return new Address(ip, uri.Port);
            yield break;
        }

        var labels = host.Split('.');
        var clusterSuffix = $".svc.{clusterDomain.ToLowerInvariant()}";
        if (labels.Length == 1)
        {
            yield return new InCluster(ownNamespace, uri.Port);
        }
        else if (labels.Length >= 3 && (host.EndsWith(clusterSuffix, StringComparison.Ordinal) || (labels.Length == 3 && labels[2] == "svc")))
        {
            yield return new InCluster(labels[1], uri.Port);
        }
        else if (labels.Length == 2)
        {
            yield return new InCluster(labels[1], uri.Port);
            yield return new External(host, uri.Port);
        }
        else
        {
            yield return new External(host, uri.Port);
        }
    }
}
