using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;
using AgentOperator.DevCluster.Tests.Node;

namespace AgentOperator.DevCluster.Tests.Controllers;

/// <summary>
/// The default StorageClass, the DefaultStorageClass admission plugin and kube-controller-manager's volume binder on a
/// cluster with the node, through the real kubectl: the class as kind lists it, a claim asking for no class, static
/// volumes bound to the smallest that fits, Retain volumes Released when their claim goes.
/// </summary>
public sealed class PersistentVolumeBinderTests(NodeFixture cluster) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task The_default_class_is_listed_as_kind_lists_it_and_a_claim_asking_for_no_class_keeps_none()
    {
        Assert.Matches(@"^standard \(default\)\s+devcluster\.io/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s", await cluster.Kubectl.SucceedAsync("get storageclass --no-headers"));

        var ns = await cluster.CreateNamespaceAsync("binder");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Claim("classless", "\"\"", "1Gi"));
        var events = await Eventually.MatchAsync(() => cluster.EventsAsync(ns), e => e.Contains("FailedBinding", StringComparison.Ordinal), "the FailedBinding event");
        Assert.Contains("FailedBinding: no persistent volumes available for this claim and no storage class is set", events, StringComparison.Ordinal);
        var claim = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pvc classless -n {ns} -o json"))!;
        Assert.Equal("", claim.Str("spec", "storageClassName"));
        Assert.Equal("Pending", claim.Str("status", "phase"));
        // A classless claim left Pending would bind the next classless volume any other test creates.
        await cluster.Kubectl.SucceedAsync($"delete pvc classless -n {ns}");
    }

    [Fact]
    public async Task A_static_volume_binds_the_smallest_fitting_claim_of_its_class_and_a_Retain_volume_is_Released_when_its_claim_goes()
    {
        var ns = await cluster.CreateNamespaceAsync("binder");
        var storageClass = "manual-" + ns;
        var folder = Path.Combine(cluster.Directory, "static-" + ns);
        Directory.CreateDirectory(folder + "-small");
        await File.WriteAllTextAsync(Path.Combine(folder + "-small", "data.txt"), "kept");
        await cluster.Kubectl.SucceedAsync("apply -f -", Volume($"big-{ns}", storageClass, "5Gi", folder + "-big") + "---\n" + Volume($"small-{ns}", storageClass, "1Gi", folder + "-small"));
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Claim("fits", storageClass, "500Mi") + "---\n" + Claim("huge", storageClass, "10Gi"));

        var claim = await Eventually.MatchAsync(async () => JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pvc fits -n {ns} -o json"))!,
            c => c.Str("status", "phase") == "Bound", "claim fits Bound");
        Assert.Equal($"small-{ns}", claim.Str("spec", "volumeName"));
        Assert.Equal("1Gi", claim.Str("status", "capacity", "storage"));
        Assert.Equal("yes", claim.Str("metadata", "annotations", "pv.kubernetes.io/bind-completed"));
        Assert.Equal("yes", claim.Str("metadata", "annotations", "pv.kubernetes.io/bound-by-controller"));
        var volume = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pv small-{ns} -o json"))!;
        Assert.Equal("Bound", volume.Str("status", "phase"));
        Assert.Equal(claim.Str("metadata", "uid"), volume.Str("spec", "claimRef", "uid"));
        Assert.Equal("yes", volume.Str("metadata", "annotations", "pv.kubernetes.io/bound-by-controller"));
        Assert.Contains("kubernetes.io/pv-protection", volume.At("metadata", "finalizers")!.AsArray().Select(f => (string?)f));

        // Nothing holds 10Gi and the class has no provisioner object: the claim waits, as kube-controller-manager reports it.
        var events = await Eventually.MatchAsync(() => cluster.EventsAsync(ns), e => e.Contains("ProvisioningFailed", StringComparison.Ordinal), "the ProvisioningFailed event");
        Assert.Contains($"ProvisioningFailed: storageclass.storage.k8s.io \"{storageClass}\" not found", events, StringComparison.Ordinal);
        Assert.Equal("Pending", JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pvc huge -n {ns} -o json")).Str("status", "phase"));
        Assert.Equal("Available", JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pv big-{ns} -o json")).Str("status", "phase"));

        // Retain (a static volume's default): the volume and its data stay, Released, for an administrator to reclaim.
        await cluster.Kubectl.SucceedAsync($"delete pvc fits -n {ns}");
        await Eventually.MatchAsync(async () => JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pv small-{ns} -o json"))!,
            v => v.Str("status", "phase") == "Released", $"volume small-{ns} Released");
        Assert.Equal("kept", await File.ReadAllTextAsync(Path.Combine(folder + "-small", "data.txt")));
        await cluster.Kubectl.SucceedAsync($"delete pv big-{ns} small-{ns}");
    }

    [Fact]
    public async Task A_claim_naming_its_volume_binds_to_it_once_it_exists_and_only_the_volume_is_marked_bound_by_the_controller()
    {
        var ns = await cluster.CreateNamespaceAsync("binder");
        var volumeName = "named-" + ns;
        // A class of its own: volumeName does not reserve the volume (only its claimRef would), so any other Pending claim
        // of the same class could take it first, as on a cluster.
        var storageClass = "manual-" + ns;
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Claim("named", storageClass, "1Gi") + $"  volumeName: {volumeName}\n");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal("Pending", JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pvc named -n {ns} -o json")).Str("status", "phase"));

        await cluster.Kubectl.SucceedAsync("apply -f -", Volume(volumeName, storageClass, "2Gi", Path.Combine(cluster.Directory, volumeName)));
        var claim = await Eventually.MatchAsync(async () => JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pvc named -n {ns} -o json"))!,
            c => c.Str("status", "phase") == "Bound", "claim named Bound");
        Assert.Equal("2Gi", claim.Str("status", "capacity", "storage"));
        Assert.Equal("yes", claim.Str("metadata", "annotations", "pv.kubernetes.io/bind-completed"));
        Assert.Null(claim.Str("metadata", "annotations", "pv.kubernetes.io/bound-by-controller"));
        var volume = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pv {volumeName} -o json"))!;
        Assert.Equal(("Bound", "yes"), (volume.Str("status", "phase"), volume.Str("metadata", "annotations", "pv.kubernetes.io/bound-by-controller")));
        await cluster.Kubectl.SucceedAsync($"delete pvc named -n {ns}");
        await cluster.Kubectl.SucceedAsync($"delete pv {volumeName}");
    }

    private static string Claim(string name, string storageClass, string size) => $$"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: {{name}}}
        spec:
          storageClassName: {{storageClass}}
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: {{size}}} }

        """;

    private static string Volume(string name, string storageClass, string size, string path) => $$"""
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: {{name}}}
        spec:
          storageClassName: {{storageClass}}
          capacity: {storage: {{size}}}
          accessModes: [ReadWriteOnce]
          hostPath: {path: {{path}}, type: DirectoryOrCreate}

        """;
}
