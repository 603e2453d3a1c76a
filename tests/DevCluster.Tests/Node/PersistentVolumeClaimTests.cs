using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>
/// Claims on the DevCluster node as on kind, through the real kubectl: a claim without a class gets the default
/// <c>standard</c> class and is provisioned and bound once a pod that uses it is scheduled; the node bind-mounts the
/// volume's folder (fsGroup ownership, readOnly), its data outlives the pod; a pod whose claim is missing waits in
/// ContainerCreating with FailedMount; a claim in use is deleted only after its pod, then its volume and folder go.
/// </summary>
public sealed class PersistentVolumeClaimTests(NodeFixture cluster, ITestOutputHelper output) : IClassFixture<NodeFixture>
{
    private const string AuditPath = "/var/lib/agentoperator-audit";

    [Fact]
    public async Task A_claim_without_a_class_gets_the_default_class_and_is_bound_when_its_first_pod_is_scheduled()
    {
        var ns = await cluster.CreateNamespaceAsync("pvc");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Claim("audit"));

        var claim = await ClaimAsync(ns, "audit");
        Assert.Equal("standard", claim.Str("spec", "storageClassName"));
        Assert.Contains("kubernetes.io/pvc-protection", claim.At("metadata", "finalizers")!.AsArray().Select(f => (string?)f));

        // WaitForFirstConsumer, as kind's class: no volume until a pod uses the claim.
        await Eventually.MatchAsync(() => cluster.EventsAsync(ns), e => e.Contains("WaitForFirstConsumer: waiting for first consumer to be created before binding", StringComparison.Ordinal), "the WaitForFirstConsumer event");
        Assert.Equal("Pending", (await ClaimAsync(ns, "audit")).Str("status", "phase"));

        var applied = Stopwatch.StartNew();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Pod("writer", "audit", "echo written > " + AuditPath + "/audit.log && echo done"));
        claim = await Eventually.MatchAsync(() => ClaimAsync(ns, "audit"), c => c.Str("status", "phase") == "Bound", "claim audit Bound");
        output.WriteLine($"pod applied to claim Bound (seen by kubectl): {applied.ElapsedMilliseconds} ms");
        var volumeName = claim.Str("spec", "volumeName")!;
        Assert.Equal("pvc-" + claim.Str("metadata", "uid"), volumeName);
        Assert.Equal("20Gi", claim.Str("status", "capacity", "storage"));
        Assert.Equal("ReadWriteOnce", claim.Str("status", "accessModes", 0));
        foreach (var (annotation, value) in new[]
        {
            ("pv.kubernetes.io/bind-completed", "yes"), ("pv.kubernetes.io/bound-by-controller", "yes"),
            ("volume.kubernetes.io/storage-provisioner", "devcluster.io/local-path"), ("volume.kubernetes.io/selected-node", "devcluster-node"),
        })
        {
            Assert.Equal(value, claim.Str("metadata", "annotations", annotation));
        }

        var table = await cluster.Kubectl.SucceedAsync($"get pvc audit -n {ns} --no-headers");
        Assert.Matches($@"^audit\s+Bound\s+{volumeName}\s+20Gi\s+RWO\s+standard\s", table);

        var volume = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pv {volumeName} -o json"))!;
        Assert.Equal("Bound", volume.Str("status", "phase"));
        Assert.Equal("Delete", volume.Str("spec", "persistentVolumeReclaimPolicy"));
        Assert.Equal("20Gi", volume.Str("spec", "capacity", "storage"));
        Assert.Equal((ns, "audit", claim.Str("metadata", "uid")), (volume.Str("spec", "claimRef", "namespace"), volume.Str("spec", "claimRef", "name"), volume.Str("spec", "claimRef", "uid")));
        Assert.Equal("devcluster.io/local-path", volume.Str("metadata", "annotations", "pv.kubernetes.io/provisioned-by"));
        var folder = volume.Str("spec", "local", "path")!;
        Assert.StartsWith(cluster.NodeDirectory, folder, StringComparison.Ordinal);
        Assert.Matches($@"^{volumeName}\s+20Gi\s+RWO\s+Delete\s+Bound\s+{ns}/audit\s+standard\s", await cluster.Kubectl.SucceedAsync($"get pv {volumeName} --no-headers"));

        var events = await Eventually.MatchAsync(() => cluster.EventsAsync(ns), e => e.Contains("ProvisioningSucceeded", StringComparison.Ordinal), "the ProvisioningSucceeded event");
        Assert.Contains($"Provisioning: External provisioner is provisioning volume for claim \"{ns}/audit\"", events, StringComparison.Ordinal);
        Assert.Contains($"ProvisioningSucceeded: Successfully provisioned volume {volumeName}", events, StringComparison.Ordinal);
        await cluster.WaitForPodAsync(ns, "writer", p => p.Str("status", "phase") == "Succeeded", "Succeeded");
    }

    [Fact]
    public async Task A_pod_running_as_65532_with_fsGroup_writes_to_its_claim_and_a_later_pod_reads_it()
    {
        var ns = await cluster.CreateNamespaceAsync("pvc");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Claim("audit") + "---\n" + Pod("writer", "audit",
            $"echo entry-1 > {AuditPath}/audit.log && stat -c 'file=%u:%g' {AuditPath}/audit.log && stat -c 'dir=%g:%a' {AuditPath} && echo done"));
        var log = await cluster.WaitForLogAsync(ns, "writer", "main", "done");
        Assert.Contains("file=65532:65532", log, StringComparison.Ordinal);
        // The kubelet gives the volume to fsGroup: group 65532, group-writable, setgid (2777 on a 0777 folder).
        Assert.Contains("dir=65532:2777", log, StringComparison.Ordinal);

        await cluster.Kubectl.SucceedAsync($"delete pod writer -n {ns}");

        // The data belongs to the volume: a new pod, mounting the claim read-only, reads it and cannot write.
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Pod("reader", "audit",
            $"echo read=`cat {AuditPath}/audit.log`; touch {AuditPath}/other 2>/dev/null || echo write=refused; echo done", claimReadOnly: true));
        log = await cluster.WaitForLogAsync(ns, "reader", "main", "done");
        Assert.Contains("read=entry-1", log, StringComparison.Ordinal);
        Assert.Contains("write=refused", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_whose_claim_does_not_exist_waits_in_ContainerCreating_with_FailedMount_and_starts_once_it_is_created()
    {
        var ns = await cluster.CreateNamespaceAsync("pvc");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Pod("early", "late", "echo started; sleep 300"));

        await cluster.WaitForPodAsync(ns, "early", p => p.Str("status", "containerStatuses", 0, "state", "waiting", "reason") == "ContainerCreating", "waiting in ContainerCreating");
        var events = await Eventually.MatchAsync(() => cluster.EventsAsync(ns), e => e.Contains("FailedMount", StringComparison.Ordinal), "a FailedMount event");
        Assert.Contains($"FailedMount: Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[data]: error processing PVC {ns}/late: failed to fetch PVC from API server: persistentvolumeclaims \"late\" not found", events, StringComparison.Ordinal);
        Assert.Equal("Pending", (await cluster.PodAsync(ns, "early")).Str("status", "phase"));

        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Claim("late"));
        await cluster.WaitForLogAsync(ns, "early", "main", "started");
        await cluster.WaitForPodAsync(ns, "early", p => p.Str("status", "phase") == "Running", "Running");
        await cluster.Kubectl.SucceedAsync($"delete pod early -n {ns} --wait=false");
    }

    [Fact]
    public async Task Deleting_a_claim_waits_for_the_pod_using_it_then_removes_its_volume_and_folder()
    {
        var ns = await cluster.CreateNamespaceAsync("pvc");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Claim("audit") + "---\n" + Pod("user", "audit", $"echo kept > {AuditPath}/audit.log; echo started; sleep 300"));
        await cluster.WaitForLogAsync(ns, "user", "main", "started");
        var claim = await ClaimAsync(ns, "audit");
        var volumeName = claim.Str("spec", "volumeName")!;
        var folder = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pv {volumeName} -o json")).Str("spec", "local", "path")!;
        Assert.True(File.Exists(Path.Combine(folder, "audit.log")), $"{folder}/audit.log on the node");

        // kubernetes.io/pvc-protection: the claim stays (Terminating) while its pod runs.
        await cluster.Kubectl.SucceedAsync($"delete pvc audit -n {ns} --wait=false");
        await Eventually.MatchAsync(() => cluster.Kubectl.SucceedAsync($"get pvc audit -n {ns} --no-headers"), t => t.Contains("Terminating", StringComparison.Ordinal), "claim audit Terminating");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Contains("Terminating", await cluster.Kubectl.SucceedAsync($"get pvc audit -n {ns} --no-headers"), StringComparison.Ordinal);
        Assert.True(Directory.Exists(folder), "the volume's folder while the claim is in use");

        var deleted = Stopwatch.StartNew();
        await cluster.Kubectl.SucceedAsync($"delete pod user -n {ns}");
        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"get pvc audit -n {ns}"), r => r.Stderr.Contains("NotFound", StringComparison.Ordinal), "claim audit gone");
        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"get pv {volumeName}"), r => r.Stderr.Contains("NotFound", StringComparison.Ordinal), $"volume {volumeName} gone");
        output.WriteLine($"pod deletion to claim and volume gone (seen by kubectl): {deleted.ElapsedMilliseconds} ms");
        Assert.False(Directory.Exists(folder), $"{folder} removed with its volume");
    }

    private async Task<JsonObject> ClaimAsync(string ns, string name) =>
        JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get pvc {name} -n {ns} -o json"))!.AsObject();

    // config/collector's claim: ReadWriteOnce, 20Gi, no storageClassName.
    private static string Claim(string name) => $$"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: {{name}}}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 20Gi} }

        """;

    // As config/collector runs: 65532 with fsGroup 65532 and a read-only root filesystem, the claim at the audit path.
    private static string Pod(string name, string claim, string script, bool claimReadOnly = false) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          securityContext: {runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532}
          containers:
          - name: main
            image: busybox
            securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
            command: ["sh", "-c", "{{script}}"]
            volumeMounts: [{name: data, mountPath: {{AuditPath}} }]
          volumes:
          - name: data
            persistentVolumeClaim: {claimName: {{claim}}, readOnly: {{(claimReadOnly ? "true" : "false")}} }

        """;
}
