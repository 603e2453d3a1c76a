using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Dns;

/// <summary>
/// What names mean in the cluster, as CoreDNS's kubernetes plugin answers them, read from the store at each query (so an
/// answer is never staler than the store): <c>SVC.NS.svc.cluster.local</c> is the Service's ClusterIPs, a headless
/// Service's (clusterIP None) ready endpoint addresses from its EndpointSlices, an ExternalName Service's CNAME (followed
/// when the target is a name this server knows). Names registered at run time (<see cref="SetExternalHost"/>) stand in
/// for hosts outside the cluster. Other names under cluster.local do not exist (authoritatively); names elsewhere are not
/// forwarded (pods have no route beyond the node), so they do not exist either, answered at once.
/// </summary>
internal sealed class ClusterDnsResolver(ObjectStore store)
{
    public const string Zone = "cluster.local";
    private const string ServiceNameLabel = "kubernetes.io/service-name";
    private const int MaxCnameChain = 8;
    private static readonly GroupResource Services = new("", "services");
    private static readonly GroupResource Slices = new("discovery.k8s.io", "endpointslices");
    private readonly ConcurrentDictionary<string, IPAddress> _externalHosts = new(StringComparer.Ordinal);

    public void SetExternalHost(string name, IPAddress address) => _externalHosts[Normalize(name)] = address;

    public bool RemoveExternalHost(string name) => _externalHosts.TryRemove(Normalize(name), out _);

    /// <summary>The answer for <paramref name="name"/> (without the root's dot) and <paramref name="type"/>.</summary>
    public DnsAnswer Resolve(string name, DnsType type) => Resolve(name, type, depth: 0);

    private DnsAnswer Resolve(string name, DnsType type, int depth)
    {
        var key = Normalize(name);
        if (_externalHosts.TryGetValue(key, out var address))
        {
            return DnsAnswer.Found(Matching(name, type, [address]));
        }

        if (key != Zone && !key.EndsWith("." + Zone, StringComparison.Ordinal))
        {
            return DnsAnswer.NameError(authoritative: false);
        }

        return key[..^Zone.Length].TrimEnd('.').Split('.') switch
        {
            [var service, var ns, "svc"] => Service(name, type, ns, service, depth),
            _ => DnsAnswer.NameError(authoritative: true),
        };
    }

    private DnsAnswer Service(string name, DnsType type, string ns, string service, int depth)
    {
        var stored = store.Get(Services, ns, service);
        if (stored is null || stored.Deleting)
        {
            return DnsAnswer.NameError(authoritative: true);
        }

        var spec = JsonNodeExtensions.ParseObject(stored.Json)["spec"];
        if (spec.Str("type") == "ExternalName")
        {
            var target = spec.Str("externalName")?.TrimEnd('.');
            if (target is null || !DnsMessage.IsValidName(target))
            {
                return DnsAnswer.Found([]);
            }

            // The CNAME, and what its target resolves to when this server knows it (a chain stops after a few hops).
            var cname = DnsRecord.Cname(name, target);
            var followed = type == DnsType.Cname || depth >= MaxCnameChain ? null : Resolve(target, type, depth + 1);
            return DnsAnswer.Found([cname, .. followed is { Code: DnsResponseCode.NoError } ? followed.Records : []]);
        }

        var addresses = spec.Str("clusterIP") == "None" ? ReadyEndpoints(ns, service) : ClusterIps(spec);
        return DnsAnswer.Found(Matching(name, type, addresses));
    }

    private static List<IPAddress> ClusterIps(JsonNode? spec) =>
        (spec?["clusterIPs"] as JsonArray ?? [spec?["clusterIP"]?.DeepClone()])
            .Select(ip => IPAddress.TryParse(ip?.ToString(), out var parsed) ? parsed : null).OfType<IPAddress>().ToList();

    // The addresses of the ready endpoints (a nil ready condition means ready) of the Service's EndpointSlices.
    private List<IPAddress> ReadyEndpoints(string ns, string service) =>
        store.List(Slices, ns, null).Items
            .Where(s => !s.Deleting && s.Labels.GetValueOrDefault(ServiceNameLabel) == service)
            .SelectMany(s => JsonNodeExtensions.ParseObject(s.Json)["endpoints"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(e => e.Bool("conditions", "ready") != false)
            .SelectMany(e => e["addresses"] as JsonArray ?? [])
            .Select(a => IPAddress.TryParse(a?.ToString(), out var parsed) ? parsed : null)
            .OfType<IPAddress>()
            .Distinct()
            .ToList();

    // A names IPv4 addresses, AAAA IPv6 ones, ANY both; any other type of a name that exists is NOERROR without records.
    private static List<DnsRecord> Matching(string name, DnsType type, IEnumerable<IPAddress> addresses) =>
        addresses.Where(a => type switch
            {
                DnsType.A => a.AddressFamily == AddressFamily.InterNetwork,
                DnsType.Aaaa => a.AddressFamily == AddressFamily.InterNetworkV6,
                DnsType.Any => true,
                _ => false,
            })
            .Select(a => DnsRecord.ForAddress(name, a))
            .ToList();

    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();
}
