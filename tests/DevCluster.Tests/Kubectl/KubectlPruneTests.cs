using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Kubectl;

/// <summary>
/// <c>kubectl apply --prune -l</c> with kubectl's default prune allowlist (ConfigMap, Endpoints, Namespace,
/// PersistentVolumeClaim, PersistentVolume, Pod, ReplicationController, Secret, Service, Job, CronJob, Ingress,
/// DaemonSet, Deployment, ReplicaSet, StatefulSet): every kind must be in discovery and listable by label, or kubectl
/// stops with "no matches for kind".
/// </summary>
public sealed class KubectlPruneTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    [Fact]
    public async Task Apply_prune_with_a_label_deletes_the_labelled_objects_no_longer_in_the_manifests()
    {
        var ns = await cluster.CreateNamespaceAsync();
        const string Kept = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: kept, labels: {app: x}}
            """;
        const string Dropped = """
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data, labels: {app: x}}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: nightly, labels: {app: x}}
            spec:
              schedule: "0 3 * * *"
              jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db, labels: {app: x}}
            spec:
              serviceName: db
              selector: {matchLabels: {app: db}}
              template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: postgres}]}}
            """;
        await cluster.Kubectl.SucceedAsync($"create configmap other -n {ns}");

        var first = await cluster.Kubectl.SucceedAsync($"apply -n {ns} -l app=x --prune -f -", Kept + "\n" + Dropped);
        Assert.Contains("persistentvolumeclaim/data created", first);
        Assert.Contains("cronjob.batch/nightly created", first);

        var second = await cluster.Kubectl.SucceedAsync($"apply -n {ns} -l app=x --prune -f -", Kept);

        Assert.Contains("configmap/kept unchanged", second);
        Assert.Contains("persistentvolumeclaim/data pruned", second);
        Assert.Contains("cronjob.batch/nightly pruned", second);
        Assert.Contains("statefulset.apps/db pruned", second);
        var left = await cluster.Kubectl.SucceedAsync($"get configmaps,persistentvolumeclaims,cronjobs,statefulsets -n {ns} -o name");
        Assert.Contains("configmap/kept", left);
        Assert.Contains("configmap/other", left); // not labelled app=x: never pruned
        Assert.DoesNotContain("data", left);
        Assert.DoesNotContain("nightly", left);
    }
}
