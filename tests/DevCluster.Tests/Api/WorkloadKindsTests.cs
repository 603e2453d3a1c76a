using System.Net;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Api;

/// <summary>
/// StatefulSets, DaemonSets, CronJobs, PodDisruptionBudgets and PersistentVolumeClaims as kube-apiserver serves
/// them: discovery, list and watch, status subresources, their defaults (k8s.io/kubernetes pkg/apis/apps/v1,
/// batch/v1 and core/v1 defaults.go) and validation (pkg/apis/apps|batch|policy|core/validation), and the
/// ServiceAccount admission plugin's kube-api-access token volume, through KubernetesClient and the real kubectl.
/// </summary>
public sealed class WorkloadKindsTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    [Fact]
    public async Task Discovery_lists_the_new_kinds_with_their_short_names_and_kubectl_api_resources_shows_them()
    {
        var output = await cluster.Kubectl.SucceedAsync("api-resources --no-headers");

        foreach (var expected in new[]
        {
            "statefulsets +sts +apps/v1 +true +StatefulSet",
            "daemonsets +ds +apps/v1 +true +DaemonSet",
            "cronjobs +cj +batch/v1 +true +CronJob",
            "poddisruptionbudgets +pdb +policy/v1 +true +PodDisruptionBudget",
            "persistentvolumeclaims +pvc +v1 +true +PersistentVolumeClaim",
            "persistentvolumes +pv +v1 +false +PersistentVolume",
        })
        {
            Assert.Matches(expected, output);
        }
    }

    [Fact]
    public async Task A_statefulset_gets_SetDefaults_StatefulSet_and_its_claim_templates_defaults_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSet("db"), ns);

        var spec = created.Spec;
        Assert.Equal(1, spec.Replicas);
        Assert.Equal("OrderedReady", spec.PodManagementPolicy);
        Assert.Equal("RollingUpdate", spec.UpdateStrategy.Type);
        Assert.Equal(0, spec.UpdateStrategy.RollingUpdate.Partition);
        Assert.Equal(10, spec.RevisionHistoryLimit);
        Assert.Equal(("Retain", "Retain"), (spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted, spec.PersistentVolumeClaimRetentionPolicy.WhenScaled));
        Assert.Equal("Filesystem", spec.VolumeClaimTemplates[0].Spec.VolumeMode);
        Assert.Equal("Pending", spec.VolumeClaimTemplates[0].Status.Phase);
        Assert.Equal("ClusterFirst", spec.Template.Spec.DnsPolicy);
        Assert.Equal("IfNotPresent", spec.Template.Spec.Containers[0].ImagePullPolicy);
        Assert.Equal((0, 0), (created.Status.Replicas, created.Status.AvailableReplicas));
        Assert.Equal(1, created.Metadata.Generation);
    }

    [Fact]
    public async Task A_statefulset_change_outside_the_mutable_fields_is_422_on_spec_and_scale_still_works_through_kubectl()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSet("db"), ns);

        // ValidateStatefulSetUpdate: spec.selector, serviceName and volumeClaimTemplates are frozen.
        var refused = await cluster.Kubectl.RunAsync($"patch statefulset db -n {ns} --type=merge -p '{{\"spec\":{{\"serviceName\":\"other\"}}}}'");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("The StatefulSet \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden", refused.Stderr);

        await cluster.Kubectl.SucceedAsync($"scale statefulset db -n {ns} --replicas=3");
        var scaled = await cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", ns);
        Assert.Equal(3, scaled.Spec.Replicas);
        Assert.Equal(2, scaled.Metadata.Generation);

        var table = await cluster.Kubectl.SucceedAsync($"get sts -n {ns}");
        Assert.Matches(@"db\s+0/3", table);
    }

    [Fact]
    public async Task A_statefulset_whose_selector_does_not_match_its_template_is_422_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var sts = StatefulSet("db");
        sts.Spec.Selector.MatchLabels["app"] = "other";

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.CreateNamespacedStatefulSetAsync(sts, ns));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("\"field\":\"spec.template.metadata.labels\"", e.Response.Content);
        Assert.Contains("`selector` does not match template `labels`", e.Response.Content);
    }

    [Fact]
    public async Task A_daemonset_gets_its_rolling_update_defaults_and_its_selector_is_immutable_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.AppsV1.CreateNamespacedDaemonSetAsync(new V1DaemonSet
        {
            Metadata = new V1ObjectMeta { Name = "agent" },
            Spec = new V1DaemonSetSpec { Selector = Labels("agent"), Template = Template("agent") },
        }, ns);

        Assert.Equal("RollingUpdate", created.Spec.UpdateStrategy.Type);
        Assert.Equal("1", created.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal("0", created.Spec.UpdateStrategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(10, created.Spec.RevisionHistoryLimit);
        Assert.Equal(0, created.Status.NumberReady);

        created.Spec.Selector.MatchLabels["tier"] = "x";
        created.Spec.Template.Metadata.Labels["tier"] = "x";
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.ReplaceNamespacedDaemonSetAsync(created, "agent", ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("spec.selector: Invalid value", e.Response.Content);
        Assert.Contains("field is immutable", e.Response.Content);
    }

    [Fact]
    public async Task A_cronjob_gets_SetDefaults_CronJob_and_its_job_template_only_the_pod_spec_defaults_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.BatchV1.CreateNamespacedCronJobAsync(CronJob("nightly", "0 3 * * *"), ns);

        Assert.Equal("Allow", created.Spec.ConcurrencyPolicy);
        Assert.False(created.Spec.Suspend);
        Assert.Equal(3, created.Spec.SuccessfulJobsHistoryLimit);
        Assert.Equal(1, created.Spec.FailedJobsHistoryLimit);

        // SetDefaults_Job runs on Job objects only: a CronJob's job template keeps its spec as sent.
        Assert.Null(created.Spec.JobTemplate.Spec.BackoffLimit);
        Assert.Null(created.Spec.JobTemplate.Spec.Completions);
        Assert.Equal("ClusterFirst", created.Spec.JobTemplate.Spec.Template.Spec.DnsPolicy);
        Assert.Equal("/dev/termination-log", created.Spec.JobTemplate.Spec.Template.Spec.Containers[0].TerminationMessagePath);
    }

    [Theory]
    [InlineData("off", "expected exactly 5 fields, found 1: [off]")]
    [InlineData("*/5 * * * * *", "expected exactly 5 fields, found 6: [*/5 * * * * *]")]
    [InlineData("61 * * * *", "end of range (61) above maximum (59): 61")]
    [InlineData("0 0 * foo *", "failed to parse int from foo: strconv.Atoi: parsing \\\"foo\\\": invalid syntax")]
    [InlineData("@sometimes", "unrecognized descriptor: @sometimes")]
    [InlineData("TZ=UTC 0 3 * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")]
    public async Task A_cronjob_with_an_invalid_schedule_is_422_on_spec_schedule_through_KubernetesClient(string schedule, string why)
    {
        var ns = await cluster.CreateNamespaceAsync();

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.BatchV1.CreateNamespacedCronJobAsync(CronJob("nightly", schedule), ns));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("\"field\":\"spec.schedule\"", e.Response.Content);
        Assert.Contains(why, e.Response.Content);
    }

    [Theory]
    [InlineData("@hourly")]
    [InlineData("@every 1h30m")]
    [InlineData("*/15 9-17 * JAN-jun mon-FRI")]
    [InlineData("0 0 1,15 * ?")]
    public async Task A_cronjob_with_a_standard_schedule_is_accepted(string schedule)
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.BatchV1.CreateNamespacedCronJobAsync(CronJob("ok", schedule), ns);
        Assert.Equal(schedule, created.Spec.Schedule);
    }

    [Fact]
    public async Task A_cronjob_is_refused_through_kubectl_with_the_field_path_and_listed_with_its_columns()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var refused = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", CronJobYaml("bad", "every minute"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("The CronJob \"bad\" is invalid: spec.schedule: Invalid value: \"every minute\": expected exactly 5 fields, found 2: [every minute]", refused.Stderr);

        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", CronJobYaml("good", "*/5 * * * *"));
        var table = await cluster.Kubectl.SucceedAsync($"get cj -n {ns}");
        Assert.Matches(@"good\s+\*/5 \* \* \* \*\s+<none>\s+False\s+0\s+<none>", table);
    }

    [Fact]
    public async Task A_pod_disruption_budget_gets_a_zero_status_its_status_subresource_and_refuses_both_bounds_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodDisruptionBudgetSpec { MinAvailable = "50%", Selector = Labels("web") },
        }, ns);
        Assert.Equal((0, 0, 0, 0), (created.Status.DisruptionsAllowed, created.Status.CurrentHealthy, created.Status.DesiredHealthy, created.Status.ExpectedPods));

        // The disruption controller writes status through the subresource; the main resource ignores status.
        created.Status.DisruptionsAllowed = 2;
        var updated = await cluster.Client.PolicyV1.ReplaceNamespacedPodDisruptionBudgetStatusAsync(created, "web", ns);
        Assert.Equal(2, updated.Status.DisruptionsAllowed);

        var both = new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "both" },
            Spec = new V1PodDisruptionBudgetSpec { MinAvailable = 1, MaxUnavailable = 1, Selector = Labels("web") },
        };
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(both, ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("minAvailable and maxUnavailable cannot be both set", e.Response.Content);

        var table = await cluster.Kubectl.SucceedAsync($"get pdb -n {ns}");
        Assert.Matches(@"web\s+50%\s+N/A\s+2", table);
    }

    [Fact]
    public async Task A_claim_is_Pending_with_volumeMode_Filesystem_needs_access_modes_and_keeps_its_spec_through_kubectl()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var refused = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec: {resources: {requests: {storage: 1Gi}}}
            """);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("spec.accessModes: Required value: at least 1 access mode is required", refused.Stderr);

        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            """);
        var claim = await cluster.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns);
        Assert.Equal("Pending", claim.Status.Phase);
        Assert.Equal("Filesystem", claim.Spec.VolumeMode);

        var grown = await cluster.Kubectl.RunAsync($"patch pvc data -n {ns} --type=merge -p '{{\"spec\":{{\"accessModes\":[\"ReadWriteMany\"]}}}}'");
        Assert.NotEqual(0, grown.ExitCode);
        Assert.Contains("spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims", grown.Stderr);

        var table = await cluster.Kubectl.SucceedAsync($"get pvc -n {ns}");
        Assert.Matches(@"data\s+Pending", table);
    }

    [Fact]
    public async Task Lists_and_watches_of_the_new_kinds_work_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var list = await cluster.Client.AppsV1.ListNamespacedStatefulSetAsync(ns);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new TaskCompletionSource<V1CronJob>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Task.Run(async () =>
        {
            await foreach (var (type, item) in cluster.Client.BatchV1.WatchListNamespacedCronJobAsync(ns, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                if (type == WatchEventType.Added)
                {
                    seen.TrySetResult(item);
                    return;
                }
            }
        }, cts.Token);

        await cluster.Client.BatchV1.CreateNamespacedCronJobAsync(CronJob("watched", "@daily"), ns);

        var added = await seen.Task.WaitAsync(cts.Token);
        Assert.Equal("watched", added.Metadata.Name);
        Assert.Single((await cluster.Client.BatchV1.ListNamespacedCronJobAsync(ns)).Items);
        cts.Cancel();
        await Task.WhenAny(watch);
    }

    [Fact]
    public async Task A_pod_gets_the_kube_api_access_token_volume_mounted_in_every_container_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec
            {
                InitContainers = [new V1Container { Name = "init", Image = "busybox:1.36" }],
                Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }],
            },
        }, ns);

        var volume = Assert.Single(created.Spec.Volumes);
        Assert.Matches("^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$", volume.Name);
        Assert.Equal(420, volume.Projected.DefaultMode);
        Assert.Equal(3607, volume.Projected.Sources[0].ServiceAccountToken.ExpirationSeconds);
        Assert.Equal("token", volume.Projected.Sources[0].ServiceAccountToken.Path);
        Assert.Equal("kube-root-ca.crt", volume.Projected.Sources[1].ConfigMap.Name);
        Assert.Equal("metadata.namespace", volume.Projected.Sources[2].DownwardAPI.Items[0].FieldRef.FieldPath);
        foreach (var container in created.Spec.InitContainers.Concat(created.Spec.Containers))
        {
            var mount = Assert.Single(container.VolumeMounts);
            Assert.Equal((volume.Name, "/var/run/secrets/kubernetes.io/serviceaccount", true), (mount.Name, mount.MountPath, mount.ReadOnlyProperty == true));
        }
    }

    [Fact]
    public async Task A_pod_or_service_account_with_automount_off_gets_no_token_volume_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var optedOut = await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "pod-off" },
            Spec = new V1PodSpec { AutomountServiceAccountToken = false, Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }] },
        }, ns);
        Assert.Null(optedOut.Spec.Volumes);

        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "quiet" }, AutomountServiceAccountToken = false }, ns);
        var byAccount = await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "sa-off" },
            Spec = new V1PodSpec { ServiceAccountName = "quiet", Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }] },
        }, ns);
        Assert.Null(byAccount.Spec.Volumes);

        // The pod's own setting wins over its ServiceAccount's.
        var optedIn = await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "pod-on" },
            Spec = new V1PodSpec { ServiceAccountName = "quiet", AutomountServiceAccountToken = true, Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }] },
        }, ns);
        Assert.StartsWith("kube-api-access-", Assert.Single(optedIn.Spec.Volumes).Name);
    }

    [Fact]
    public async Task A_container_with_its_own_mount_at_the_token_path_keeps_it()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "own" },
            Spec = new V1PodSpec
            {
                Volumes = [new V1Volume { Name = "mine", EmptyDir = new V1EmptyDirVolumeSource() }],
                Containers = [new V1Container { Name = "c", Image = "busybox:1.36", VolumeMounts = [new V1VolumeMount { Name = "mine", MountPath = "/var/run/secrets/kubernetes.io/serviceaccount" }] }],
            },
        }, ns);

        Assert.Equal("mine", Assert.Single(created.Spec.Volumes).Name);
        Assert.Equal("mine", Assert.Single(created.Spec.Containers[0].VolumeMounts).Name);
    }

    private static V1LabelSelector Labels(string app) => new() { MatchLabels = new Dictionary<string, string> { ["app"] = app } };

    private static V1PodTemplateSpec Template(string app) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "postgres:16" }] },
    };

    private static V1StatefulSet StatefulSet(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1StatefulSetSpec
        {
            ServiceName = name,
            Selector = Labels(name),
            Template = Template(name),
            VolumeClaimTemplates =
            [
                new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = "data" },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = ["ReadWriteOnce"],
                        Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                    },
                },
            ],
        },
    };

    private static V1CronJob CronJob(string name, string schedule) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1CronJobSpec
        {
            Schedule = schedule,
            JobTemplate = new V1JobTemplateSpec
            {
                Spec = new V1JobSpec
                {
                    Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "OnFailure", Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }] } },
                },
            },
        },
    };

    private static string CronJobYaml(string name, string schedule) => $$"""
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: {{name}}}
        spec:
          schedule: "{{schedule}}"
          jobTemplate:
            spec:
              template:
                spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}
        """;
}
