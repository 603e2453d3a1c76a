using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// The revision's NetworkPolicy: default deny in both directions, then only what the pod needs.
/// <para>
/// <b>Limitation.</b> NetworkPolicy selects pods, and the containers of a pod share one network namespace,
/// so no NetworkPolicy can let the gateway container reach something the agent container cannot. The
/// agent reaches its gateway over loopback, which NetworkPolicy never filters. What this policy does:
/// the pod (so also the agent) may reach only DNS, the API server and the declared upstreams; everything
/// else is denied. What keeps the agent from calling those directly is that it holds no credential: the
/// token and the tool Secrets are mounted into the gateway container only, the pod does not share a PID
/// namespace, and the ServiceAccount auto-mounts nothing. Per-container egress would need per-UID packet
/// filtering (a mesh's iptables owner match, set up by a CNI plugin), which the restricted Pod Security
/// Standard forbids a pod to do for itself.
/// </para>
/// <para>
/// Ingress: the agent port from pods of the workflow's namespace (and <see cref="ProvisioningOptions.AgentIngressNamespaces"/>),
/// the metrics port from the scraper namespaces (default: any). Egress: DNS (UDP and TCP 53) to the
/// cluster DNS pods and <see cref="ProvisioningOptions.DnsCidrs"/>; the API server endpoints; literal-IP
/// upstreams by address and port; in-cluster upstreams by namespace, on any port (NetworkPolicy sees the
/// pod's targetPort after DNAT, which the Service port does not tell); external host names only by port,
/// to any address except <see cref="ProvisioningOptions.ExternalEgressExceptCidrs"/>, because NetworkPolicy
/// cannot name a DNS host.
/// </para>
/// </summary>
public static class NetworkPolicyBuilder
{
    private const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    /// <summary>The NetworkPolicy.</summary>
    public static V1NetworkPolicy Build(RevisionInputs inputs, ProvisioningOptions options) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = V1NetworkPolicy.KubeKind,
        Metadata = ChildMetadata.ForRevision(inputs),
        Spec = new()
        {
            PodSelector = new() { MatchLabels = ChildLabels.RevisionSelector(inputs.WorkflowName, inputs.Revision) },
            PolicyTypes = ["Ingress", "Egress"],
            Ingress = Ingress(inputs, options),
            Egress = Egress(inputs, options),
        },
    };

    /// <summary>Every upstream URL the gateway may call: tool upstreams (HTTP or MCP), model endpoints, the OTLP endpoint.</summary>
    public static IEnumerable<string> UpstreamUrls(RevisionInputs inputs)
    {
        foreach (var (_, tool) in inputs.BoundTools())
        {
            if (tool.Spec.Upstream.Url is { } url)
            {
                yield return url;
            }

            if (tool.Spec.Upstream.Mcp?.Url is { } mcp)
            {
                yield return mcp;
            }
        }

        foreach (var model in inputs.Workflow.Spec.Models?.Values ?? [])
        {
            if (model.Endpoint is { } endpoint)
            {
                yield return endpoint;
            }
        }

        if (inputs.Workflow.Spec.Observability?.OtlpEndpoint is { } otlp)
        {
            yield return otlp;
        }
    }

    private static List<V1NetworkPolicyIngressRule> Ingress(RevisionInputs inputs, ProvisioningOptions options)
    {
        List<V1NetworkPolicyPeer> agentPeers = [new() { PodSelector = new() }];
        agentPeers.AddRange(options.AgentIngressNamespaces.Order(StringComparer.Ordinal).Select(NamespacePeer));

        List<V1NetworkPolicyPeer> scrapers = options.MetricsScraperNamespaces.Count == 0
            ? [new() { NamespaceSelector = new() }]
            : [.. options.MetricsScraperNamespaces.Order(StringComparer.Ordinal).Select(NamespacePeer)];

        return
        [
            new() { FromProperty = agentPeers, Ports = [Tcp(inputs.Workflow.Spec.Runtime.Port)] },
            new() { FromProperty = scrapers, Ports = [Tcp(options.GatewayMetricsPort)] },
        ];
    }

    private static List<V1NetworkPolicyEgressRule> Egress(RevisionInputs inputs, ProvisioningOptions options)
    {
        List<V1NetworkPolicyPeer> dns =
        [
            new()
            {
                NamespaceSelector = new() { MatchLabels = new Dictionary<string, string>(StringComparer.Ordinal) { [NamespaceNameLabel] = options.DnsNamespace } },
                PodSelector = new() { MatchLabels = options.DnsPodLabels.ToDictionary(StringComparer.Ordinal) },
            },
            .. options.DnsCidrs.Select(cidr => new V1NetworkPolicyPeer { IpBlock = new() { Cidr = cidr } }),
        ];
        List<V1NetworkPolicyEgressRule> rules =
        [
            new() { To = dns, Ports = [new() { Port = 53, Protocol = "UDP" }, Tcp(53)] },
        ];

        var apiServer = options.CurrentApiServerEndpoints();
        if (apiServer.Count == 0)
        {
            // Unknown endpoints: the best that is left is the API server's usual ports.
            rules.Add(new() { To = AnyAddress(options), Ports = [Tcp(443), Tcp(6443)] });
        }
        else
        {
            rules.AddRange(apiServer
                .GroupBy(e => e.Port)
                .OrderBy(g => g.Key)
                .Select(g => new V1NetworkPolicyEgressRule
                {
                    To = [.. g.Select(e => e.Cidr).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(cidr => new V1NetworkPolicyPeer { IpBlock = new() { Cidr = cidr } })],
                    Ports = [Tcp(g.Key)],
                }));
        }

        // The audit collector is one more in-cluster upstream of the gateway.
        var hosts = UpstreamUrls(inputs).Concat(options.AuditCollector is { } collector ? [collector.ToString()] : [])
            .SelectMany(url => UpstreamHost.Parse(url, inputs.Namespace, options.ClusterDomain))
            .Distinct()
            .ToList();

        foreach (var group in hosts.OfType<UpstreamHost.Address>().GroupBy(a => a.Port).OrderBy(g => g.Key))
        {
            rules.Add(new()
            {
                To = [.. group.Select(a => a.Cidr).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(cidr => new V1NetworkPolicyPeer { IpBlock = new() { Cidr = cidr } })],
                Ports = [Tcp(group.Key)],
            });
        }

        var namespaces = hosts.OfType<UpstreamHost.InCluster>().Select(h => h.Namespace).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (namespaces.Count > 0)
        {
            rules.Add(new() { To = [.. namespaces.Select(NamespacePeer)] });
        }

        var externalPorts = hosts.OfType<UpstreamHost.External>().Select(h => h.Port).Distinct().Order().ToList();
        if (externalPorts.Count > 0)
        {
            rules.Add(new() { To = AnyAddress(options), Ports = [.. externalPorts.Select(Tcp)] });
        }

        return rules;
    }

    private static List<V1NetworkPolicyPeer> AnyAddress(ProvisioningOptions options)
    {
        List<string> Except(bool v6) => [.. options.ExternalEgressExceptCidrs.Where(c => c.Contains(':', StringComparison.Ordinal) == v6)];
        var v4 = Except(v6: false);
        var v6 = Except(v6: true);
        return
        [
            new() { IpBlock = new() { Cidr = "0.0.0.0/0", Except = v4.Count > 0 ? v4 : null } },
            new() { IpBlock = new() { Cidr = "::/0", Except = v6.Count > 0 ? v6 : null } },
        ];
    }

    private static V1NetworkPolicyPeer NamespacePeer(string name) => new()
    {
        NamespaceSelector = new() { MatchLabels = new Dictionary<string, string>(StringComparer.Ordinal) { [NamespaceNameLabel] = name } },
    };

    private static V1NetworkPolicyPort Tcp(int port) => new() { Port = port, Protocol = "TCP" };
}
