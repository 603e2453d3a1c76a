using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// The pod's <c>/etc/hosts</c> and <c>/etc/resolv.conf</c> as the kubelet writes them into the pod's folder and
/// bind-mounts them into every container of a pod with its own network: the managed hosts file (localhost, the pod's
/// hostname on its IP, <c>hostAliases</c>) and the resolver configuration of its <c>dnsPolicy</c> and <c>dnsConfig</c>.
/// The node runs no DNS server, so ClusterFirst names the host's nameservers with the cluster's search path.
/// </summary>
internal sealed class PodNetworkFiles(string directory)
{
    private const string ClusterDomain = "cluster.local";

    public string HostsPath { get; } = Path.Combine(directory, "etc-hosts");

    public string ResolvConfPath { get; } = Path.Combine(directory, "resolv.conf");

    /// <summary>The files at their paths in a container.</summary>
    public IReadOnlyList<BindMount> Mounts => [new(HostsPath, "/etc/hosts", false), new(ResolvConfPath, "/etc/resolv.conf", false)];

    public void Write(JsonObject pod, IPAddress podIp)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(HostsPath, Hosts(pod, podIp));
        File.WriteAllText(ResolvConfPath, ResolvConf(pod, HostResolvConf()));
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

    // As the kubelet's dns configurer: ClusterFirst is the cluster's search path over the host's resolver, Default the
    // host's, None only dnsConfig; dnsConfig's nameservers and searches are appended and its options override.
    public static string ResolvConf(JsonObject pod, string hostResolvConf)
    {
        var (hostServers, hostSearches, hostOptions) = Parse(hostResolvConf);
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
                (servers, searches, options) = (hostServers, [$"{ns}.svc.{ClusterDomain}", $"svc.{ClusterDomain}", ClusterDomain, .. hostSearches],
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

    // The host's resolver; a nameserver on the host's loopback (systemd-resolved's stub) is not reachable from a pod, so
    // systemd-resolved's upstream list is read instead, as the kubelet is told to on such machines.
    private static string HostResolvConf()
    {
        var text = File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : "";
        const string upstream = "/run/systemd/resolve/resolv.conf";
        var loopbackOnly = Parse(text).Servers.Count == 0 && text.Contains("nameserver", StringComparison.Ordinal);
        return loopbackOnly && File.Exists(upstream)
            ? File.ReadAllText(upstream)
            : text;
    }

    private static (List<string> Servers, List<string> Searches, Dictionary<string, string?> Options) Parse(string resolvConf)
    {
        List<string> servers = [], searches = [];
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var line in resolvConf.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (fields.FirstOrDefault())
            {
                case "nameserver" when fields.Length > 1 && !(IPAddress.TryParse(fields[1], out var ip) && IPAddress.IsLoopback(ip)):
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
