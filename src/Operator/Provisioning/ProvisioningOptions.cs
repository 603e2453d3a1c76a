namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// Cluster-wide settings of what the operator provisions for each revision. Everything a workflow's
/// spec cannot know (the gateway image, the API server's endpoints, where DNS and Prometheus live) is here.
/// </summary>
public sealed record ProvisioningOptions
{
    /// <summary>Gateway sidecar image. Default: <c>ghcr.io/agentoperator/gateway:{operator version}</c>.</summary>
    public string GatewayImage { get; init; } = "ghcr.io/agentoperator/gateway:" + OperatorVersion.Current;

    /// <summary>
    /// The audit collector every gateway ships its records to (rendered as <c>--audit-collector</c>, with a projected token for
    /// <see cref="Contracts.AuditCollectorApi.Audience"/> and an egress rule to it). Default null: records stay in the pods.
    /// </summary>
    public Uri? AuditCollector { get; init; }

    /// <summary>Loopback port of the agent-facing API. Default 15080. Never a containerPort: nothing outside the pod may reach it.</summary>
    public int GatewayApiPort { get; init; } = 15080;

    /// <summary>Port of the gateway's /metrics and /healthz, listening on all interfaces. Default 15090.</summary>
    public int GatewayMetricsPort { get; init; } = 15090;

    /// <summary>CPU and memory requests of the gateway. Default 50m / 64Mi.</summary>
    public IReadOnlyDictionary<string, string> GatewayRequests { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["cpu"] = "50m", ["memory"] = "64Mi" };

    /// <summary>Limits of the gateway. Default memory 256Mi (no CPU limit: throttling a policy check only adds latency).</summary>
    public IReadOnlyDictionary<string, string> GatewayLimits { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["memory"] = "256Mi" };

    /// <summary>
    /// Addresses and ports the kube-apiserver really listens on (the endpoints of <c>default/kubernetes</c>,
    /// not its ClusterIP: NetworkPolicy sees traffic after kube-proxy's DNAT). Set here they are fixed and win over
    /// <see cref="DiscoveredApiServerEndpoints"/>. Default empty.
    /// </summary>
    public IReadOnlyList<NetworkEndpoint> ApiServerEndpoints { get; init; } = [];

    /// <summary>
    /// The endpoints the operator host reads from <c>default/kubernetes</c> and keeps current
    /// (<see cref="ApiServerEndpointsDiscovery"/>); used when <see cref="ApiServerEndpoints"/> is empty. Default null.
    /// With neither, the endpoints are unknown and the policy allows TCP 443 and 6443 to any address.
    /// </summary>
    public DiscoveredApiServerEndpoints? DiscoveredApiServerEndpoints { get; init; }

    /// <summary>The API server endpoints the egress rule names now: the fixed ones, else the discovered ones, else none (unknown).</summary>
    public IReadOnlyList<NetworkEndpoint> CurrentApiServerEndpoints() =>
        ApiServerEndpoints.Count > 0 ? ApiServerEndpoints : DiscoveredApiServerEndpoints?.Current ?? [];

    /// <summary>Namespace of the cluster DNS pods. Default kube-system.</summary>
    public string DnsNamespace { get; init; } = "kube-system";

    /// <summary>Labels of the cluster DNS pods. Default <c>k8s-app: kube-dns</c> (CoreDNS keeps that label).</summary>
    public IReadOnlyDictionary<string, string> DnsPodLabels { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["k8s-app"] = "kube-dns" };

    /// <summary>Extra DNS resolvers by CIDR, e.g. NodeLocal DNSCache's 169.254.20.10/32. Default none.</summary>
    public IReadOnlyList<string> DnsCidrs { get; init; } = [];

    /// <summary>Cluster DNS domain, used to recognise in-cluster upstream hosts. Default cluster.local.</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>
    /// Address ranges never reachable through the rule for external upstream hosts. Default: the IPv4 and
    /// IPv6 link-local ranges, where cloud metadata services hand out node credentials.
    /// </summary>
    public IReadOnlyList<string> ExternalEgressExceptCidrs { get; init; } = ["169.254.0.0/16", "fe80::/10"];

    /// <summary>Namespaces Prometheus scrapes from; empty (the default) allows the metrics port from every namespace.</summary>
    public IReadOnlyList<string> MetricsScraperNamespaces { get; init; } = [];

    /// <summary>
    /// Namespaces besides the workflow's own whose pods may call the agent port, e.g. the namespace of a
    /// Gateway API implementation's proxies. Default none.
    /// </summary>
    public IReadOnlyList<string> AgentIngressNamespaces { get; init; } = [];
}
