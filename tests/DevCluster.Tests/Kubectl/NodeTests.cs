using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Kubectl;

/// <summary>
/// The one Node DevCluster binds pods to, as a registered kubelet leaves it: capacity and allocatable, a Ready
/// condition, nodeInfo, addresses, and a kube-node-lease Lease; <c>kubectl get|describe|cordon</c> work on it.
/// </summary>
public sealed class NodeTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Node = "devcluster-node";

    [Fact]
    public async Task Get_nodes_prints_the_node_Ready_with_its_version_and_wide_addresses()
    {
        // kube-apiserver + kubelet: a registered, healthy node is listed Ready with its kubelet version.
        var table = (await cluster.Kubectl.SucceedAsync("get nodes")).Split('\n');
        Assert.Equal(["NAME", "STATUS", "ROLES", "AGE", "VERSION"], table[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal([Node, "Ready", "<none>"], table[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..3]);

        var wide = (await cluster.Kubectl.SucceedAsync("get no -o wide")).Split('\n');
        Assert.Contains("INTERNAL-IP", wide[0]);
        Assert.Contains("127.0.0.1", wide[1]);
    }

    [Fact]
    public async Task The_node_reports_capacity_allocatable_conditions_nodeInfo_and_addresses()
    {
        // kubelet: status.capacity/allocatable (cpu, memory, pods), conditions, nodeInfo and addresses describe the machine.
        var node = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get node {Node} -o json"))!;
        var status = node["status"]!;
        Assert.Equal(Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)status["capacity"]!["cpu"]);
        Assert.EndsWith("Ki", (string?)status["capacity"]!["memory"]);
        Assert.Equal("110", (string?)status["allocatable"]!["pods"]);
        Assert.Contains(status["conditions"]!.AsArray(), c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True");
        Assert.StartsWith("v1.32", (string?)status["nodeInfo"]!["kubeletVersion"]);
        Assert.Equal("linux", (string?)status["nodeInfo"]!["operatingSystem"]);
        Assert.Contains(status["addresses"]!.AsArray(), a => (string?)a!["type"] == "InternalIP" && (string?)a["address"] == "127.0.0.1");
        Assert.Contains(status["addresses"]!.AsArray(), a => (string?)a!["type"] == "Hostname" && (string?)a["address"] == Node);
        Assert.Equal(Node, (string?)node["metadata"]!["labels"]!["kubernetes.io/hostname"]);
    }

    [Fact]
    public async Task Describe_node_shows_conditions_capacity_system_info_and_the_pods_bound_to_it()
    {
        // kubectl describe node: reads the node, its Lease, and the non-terminated pods with spec.nodeName=NODE.
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"create deployment described -n {ns} --image=nginx");
        await Eventually.MatchAsync(async () => await cluster.Kubectl.SucceedAsync($"describe node {Node}"),
            text => text.Contains($"{ns}", StringComparison.Ordinal) && text.Contains("described-", StringComparison.Ordinal), "the pod to show on the node");

        var described = await cluster.Kubectl.SucceedAsync($"describe node {Node}");
        Assert.Contains("KubeletReady", described);
        Assert.Contains("InternalIP:  127.0.0.1", described);
        Assert.Contains("Kubelet Version:", described);
        Assert.Contains($"HolderIdentity:  {Node}", described);
        Assert.DoesNotContain("Failed to get lease", described);
    }

    [Fact]
    public async Task Cordon_and_uncordon_patch_spec_unschedulable()
    {
        // kubectl cordon/uncordon: a patch of spec.unschedulable, shown as SchedulingDisabled.
        try
        {
            Assert.Contains($"node/{Node} cordoned", await cluster.Kubectl.SucceedAsync($"cordon {Node}"));
            Assert.Equal("true", (await cluster.Kubectl.SucceedAsync($"get node {Node} -o jsonpath={{.spec.unschedulable}}")).Trim());
            Assert.Contains("Ready,SchedulingDisabled", await cluster.Kubectl.SucceedAsync("get nodes"));
            Assert.Contains($"node/{Node} already cordoned", await cluster.Kubectl.SucceedAsync($"cordon {Node}"));
        }
        finally
        {
            Assert.Contains($"node/{Node} uncordoned", await cluster.Kubectl.SucceedAsync($"uncordon {Node}"));
        }

        Assert.Equal("", (await cluster.Kubectl.SucceedAsync($"get node {Node} -o jsonpath={{.spec.unschedulable}}")).Trim());
    }
}
