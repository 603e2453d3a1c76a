using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using k8s.Models;
using static AgentOperator.Operator.Tests.Provisioning.ProvisioningFixtures;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed class NetworkPolicyBuilderTests
{
    private static readonly ProvisioningOptions Options = new()
    {
        ApiServerEndpoints = [new("10.0.0.5/32", 6443), new("10.0.0.6/32", 6443)],
    };

    private static V1NetworkPolicy Build(RevisionInputs? inputs = null, ProvisioningOptions? options = null) =>
        NetworkPolicyBuilder.Build(inputs ?? Inputs(), options ?? Options);

    private static string Peer(V1NetworkPolicyPeer peer) => peer switch
    {
        { IpBlock: { } block } => block.Except is { Count: > 0 } ? $"ip:{block.Cidr} except {string.Join(",", block.Except)}" : $"ip:{block.Cidr}",
        { NamespaceSelector: { } ns, PodSelector: { } pods } => $"ns:{Labels(ns)} pods:{Labels(pods)}",
        { NamespaceSelector: { } ns } => $"ns:{Labels(ns)}",
        { PodSelector: { } pods } => $"pods:{Labels(pods)}",
        _ => "?",
    };

    private static string Labels(V1LabelSelector selector) =>
        selector.MatchLabels is { Count: > 0 } labels ? string.Join(",", labels.Select(l => $"{l.Key}={l.Value}")) : "*";

    private static string Ports(IList<V1NetworkPolicyPort>? ports) =>
        ports is null ? "any" : string.Join(",", ports.Select(p => $"{p.Protocol}/{p.Port.Value}"));

    [Fact]
    public void Build_selects_the_revision_pods_and_governs_both_directions()
    {
        var policy = Build();

        Assert.Equal(new Dictionary<string, string> { ["agentoperator.io/workflow"] = WorkflowName, ["agentoperator.io/revision"] = Revision }, policy.Spec.PodSelector.MatchLabels);
        Assert.Equal(["Ingress", "Egress"], policy.Spec.PolicyTypes);
    }

    [Fact]
    public void Build_allows_ingress_only_to_the_agent_port_from_the_namespace_and_to_the_metrics_port()
    {
        var ingress = Build().Spec.Ingress.Select(r => $"{string.Join("|", r.FromProperty.Select(Peer))} -> {Ports(r.Ports)}");

        Assert.Equal(["pods:* -> TCP/8080", "ns:* -> TCP/15090"], ingress);
    }

    [Fact]
    public void Build_limits_metrics_ingress_to_the_scraper_namespaces_when_given()
    {
        var options = Options with { MetricsScraperNamespaces = ["monitoring"], AgentIngressNamespaces = ["gateway-system"] };

        var ingress = Build(options: options).Spec.Ingress.Select(r => $"{string.Join("|", r.FromProperty.Select(Peer))} -> {Ports(r.Ports)}");

        Assert.Equal(
            ["pods:*|ns:kubernetes.io/metadata.name=gateway-system -> TCP/8080", "ns:kubernetes.io/metadata.name=monitoring -> TCP/15090"],
            ingress);
    }

    [Fact]
    public void Build_allows_egress_only_to_dns_the_api_server_and_the_declared_upstreams()
    {
        var spec = Spec with { Observability = new() { OtlpEndpoint = "http://10.20.30.40:4317" } };

        var egress = Build(Inputs(spec)).Spec.Egress.Select(r => $"{string.Join("|", r.To.Select(Peer))} -> {Ports(r.Ports)}");

        Assert.Equal(
            [
                "ns:kubernetes.io/metadata.name=kube-system pods:k8s-app=kube-dns -> UDP/53,TCP/53",
                "ip:10.0.0.5/32|ip:10.0.0.6/32 -> TCP/6443",
                "ip:10.20.30.40/32 -> TCP/4317",
                // crm.support-backend.svc.cluster.local: a Service, whose target port NetworkPolicy cannot know.
                "ns:kubernetes.io/metadata.name=support-backend -> any",
                // payments.example.com:8443 and api.openai.com:443: DNS names NetworkPolicy cannot name.
                "ip:0.0.0.0/0 except 169.254.0.0/16|ip:::/0 except fe80::/10 -> TCP/443,TCP/8443",
            ],
            egress);
    }

    [Fact]
    public void Build_without_known_api_server_endpoints_allows_only_its_usual_ports()
    {
        var spec = Spec with { Models = null, Tools = [] };

        var egress = Build(Inputs(spec), new ProvisioningOptions()).Spec.Egress.Select(r => $"{string.Join("|", r.To.Select(Peer))} -> {Ports(r.Ports)}");

        Assert.Equal(
            [
                "ns:kubernetes.io/metadata.name=kube-system pods:k8s-app=kube-dns -> UDP/53,TCP/53",
                "ip:0.0.0.0/0 except 169.254.0.0/16|ip:::/0 except fe80::/10 -> TCP/443,TCP/6443",
            ],
            egress);
    }

    [Fact]
    public void Build_never_allows_egress_without_a_destination()
    {
        Assert.All(Build().Spec.Egress, rule => Assert.NotEmpty(rule.To));
        Assert.All(Build().Spec.Ingress, rule => Assert.NotEmpty(rule.FromProperty));
    }

    [Theory]
    [InlineData("http://crm:8080/x", "InCluster(support,8080)")]
    [InlineData("http://crm.backend.svc:80", "InCluster(backend,80)")]
    [InlineData("http://crm.backend.svc.cluster.local:9000/x", "InCluster(backend,9000)")]
    [InlineData("http://otel.observability:4317", "InCluster(observability,4317)|External(otel.observability,4317)")]
    [InlineData("https://api.openai.com/v1", "External(api.openai.com,443)")]
    [InlineData("http://192.168.1.10:8080", "Address(192.168.1.10/32,8080)")]
    [InlineData("http://[fd00::1]:8080", "Address(fd00::1/128,8080)")]
    [InlineData("not a url", "")]
    public void UpstreamHost_classifies_urls(string url, string expected)
    {
        var hosts = UpstreamHost.Parse(url, "support", "cluster.local").Select(h => h switch
        {
            UpstreamHost.InCluster c => $"InCluster({c.Namespace},{c.Port})",
            UpstreamHost.External e => $"External({e.Host},{e.Port})",
            UpstreamHost.Address a => $"Address({a.Cidr},{a.Port})",
            _ => "?",
        });

        Assert.Equal(expected, string.Join("|", hosts));
    }

    [Fact]
    public void UpstreamUrls_include_mcp_upstreams()
    {
        var mcp = Tool("kb.search", 0, [ToolAction.Read], new() { Mcp = new() { Url = "https://mcp.example.com:9443/mcp", ToolName = "search" } });
        var spec = Spec with { Tools = [new() { Name = "kb.search", Actions = [ToolAction.Read] }], Models = null };

        Assert.Equal(["https://mcp.example.com:9443/mcp"], NetworkPolicyBuilder.UpstreamUrls(Inputs(spec, [mcp])));
    }
}
