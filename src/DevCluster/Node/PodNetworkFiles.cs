using System.Net;
using System.Net.NetworkInformation;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// The pod's <c>/etc/hosts</c> and <c>/etc/resolv.conf</c> as the kubelet writes them into the pod's folder and
/// bind-mounts them into every container of a pod with its own network: the managed hosts file (localhost, the pod's
/// hostname on its IP, <c>hostAliases</c>) and the resolver configuration of its <c>dnsPolicy</c> and <c>dnsConfig</c>.
/// ClusterFirst names the node's cluster DNS (<see cref="Dns.ClusterDns"/>, on the bridge address) with the cluster's
/// search path and ndots:5. Where the host's nameservers are named (dnsPolicy Default, or ClusterFirst when the node
/// has no cluster DNS) only those a pod can reach (addresses of the host itself: pods have no route beyond the node)
/// are, so a name outside the hosts file fails at once instead of waiting for a nameserver that never answers.
/// </summary>
internal sealed class PodNetworkFiles(string directory)
{
    private const string ClusterDomain = "cluster.local";

    public string HostsPath { get; } = Path.Combine(directory, "etc-hosts");

    public string ResolvConfPath { get; } = Path.Combine(directory, "resolv.conf");

    /// <summary>The files at their paths in a container.</summary>
    public IReadOnlyList<BindMount> Mounts => [new(HostsPath, "/etc/hosts", false), new(ResolvConfPath, "/etc/resolv.conf", false)];

    /// <summary>Writes both files; <paramref name="clusterNameserver"/> is the cluster DNS's address, null when the node has none.</summary>
    public void Write(JsonObject pod, IPAddress podIp, IPAddress? clusterNameserver)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(HostsPath, Hosts(pod, podIp));
        var hostAddresses = NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address).Where(a => !IPAddress.IsLoopback(a)).ToHashSet();
        File.WriteAllText(ResolvConfPath, ResolvConf(pod, HostResolvConf(), server => IPAddress.TryParse(server, out var ip) && hostAddresses.Contains(ip), clusterNameserver));
    }

    // kubelet's managedHostsFileContent.
    public static string Hosts(JsonObject pod, IPAddress podIp)
    {
        var name = pod.Str("spec", "hostname") ?? pod.Str("metadata", "name") ?? "";
        var hostname = name.Length > 63 ? name[..63] : name;
        var subdomain = pod.Str("spec", "subdomain");
        var text = new StringBuilder("""
            # Kubernetes-managed hosts file.
            127.0.0.1	localhost
            ::1	localhost ip6-localhost ip6-loopback
            fe00::0	ip6-localnet
            fe00::0	ip6-mcastprefix
            fe00::1	ip6-allnodes
            fe00::2	ip6-allrouters

            """);
        text.Append(string.IsNullOrEmpty(subdomain)
            ? $"{podIp}\t{hostname}\n"
            : $"{podIp}\t{hostname}.{subdomain}.{pod.Str("metadata", "namespace")}.svc.{ClusterDomain}\t{hostname}\n");
        var aliases = (pod.At("spec", "hostAliases") as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (aliases.Count > 0)
        {
            text.Append("\n# Entries added by HostAliases.\n");
            foreach (var alias in aliases)
            {
                var names = (alias["hostnames"] as JsonArray ?? []).Select(h => h?.ToString()).OfType<string>();
                text.Append(alias.Str("ip")).Append('\t').Append(string.Join('\t', names)).Append('\n');
            }
        }

        return text.ToString();
    }

    // As the kubelet's dns configurer: ClusterFirst is the cluster DNS with the cluster's search path (the host's searches
    // after it) and ndots:5, Default the host's resolver, None only dnsConfig; dnsConfig's nameservers and searches are
    // appended and its options override. Without a cluster DNS, ClusterFirst keeps the host's (reachable) nameservers.
    public static string ResolvConf(JsonObject pod, string hostResolvConf, Func<string, bool> reachableFromPods, IPAddress? clusterNameserver)
    {
        var (hostServers, hostSearches, hostOptions) = Parse(hostResolvConf);
        hostServers = hostServers.Where(reachableFromPods).ToList();
        var ns = pod.Str("metadata", "namespace") ?? "";
        var policy = pod.Str("spec", "dnsPolicy") ?? "ClusterFirst";
        if (policy == "ClusterFirst" && pod.Bool("spec", "hostNetwork") == true)
        {
            policy = "Default";
        }

        List<string> servers, searches;
        Dictionary<string, string?> options;
        switch (policy)
        {
            case "None":
                (servers, searches, options) = ([], [], new Dictionary<string, string?>(StringComparer.Ordinal));
                break;
            case "Default":
                (servers, searches, options) = (hostServers, hostSearches, hostOptions);
                break;
            default:
                (servers, searches, options) = (clusterNameserver is null ? hostServers : [clusterNameserver.ToString()], [$"{ns}.svc.{ClusterDomain}", $"svc.{ClusterDomain}", ClusterDomain, .. hostSearches],
                    new Dictionary<string, string?>(StringComparer.Ordinal) { ["ndots"] = "5" });
                break;
        }

        var config = pod.At("spec", "dnsConfig");
        servers.AddRange((config?["nameservers"] as JsonArray ?? []).Select(s => s?.ToString()).OfType<string>());
        searches.AddRange((config?["searches"] as JsonArray ?? []).Select(s => s?.ToString()).OfType<string>());
        foreach (var option in (config?["options"] as JsonArray ?? []).OfType<JsonObject>())
        {
            options[option.Str("name") ?? ""] = option.Str("value");
        }

        var text = new StringBuilder();
        if (searches.Count > 0)
        {
            text.Append("search ").Append(string.Join(' ', searches.Distinct().Take(32))).Append('\n');
        }

        foreach (var server in servers.Distinct().Take(3))
        {
            text.Append("nameserver ").Append(server).Append('\n');
        }

        if (options.Count > 0)
        {
            text.Append("options ").Append(string.Join(' ', options.Select(o => o.Value is null ? o.Key : $"{o.Key}:{o.Value}"))).Append('\n');
        }

        return text.ToString();
    }

    private static string HostResolvConf() => File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : "";

    private static (List<string> Servers, List<string> Searches, Dictionary<string, string?> Options) Parse(string resolvConf)
    {
        List<string> servers = [], searches = [];
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var line in resolvConf.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (fields.FirstOrDefault())
            {
                case "nameserver" when fields.Length > 1:
                    servers.Add(fields[1]);
                    break;
                case "search" or "domain":
                    searches.AddRange(fields.Skip(1));
                    break;
                case "options":
                    foreach (var option in fields.Skip(1))
                    {
                        var colon = option.IndexOf(':', StringComparison.Ordinal);
                        options[colon < 0 ? option : option[..colon]] = colon < 0 ? null : option[(colon + 1)..];
                    }

                    break;
            }
        }

        return (servers, searches, options);
    }
}
