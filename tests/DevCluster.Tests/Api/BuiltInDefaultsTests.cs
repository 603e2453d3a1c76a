using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Api;

/// <summary>
/// The defaults kube-apiserver sets on pods and pod templates and on Deployment and Job specs, read back through
/// KubernetesClient and the real kubectl. Sources (k8s.io/kubernetes): pkg/apis/core/v1/defaults.go
/// (SetDefaults_PodSpec, SetDefaults_Pod, SetDefaults_Container, SetDefaults_ContainerPort, SetDefaults_Probe),
/// pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment), pkg/apis/batch/v1/defaults.go (SetDefaults_Job) and
/// plugin/pkg/admission/defaulttolerationseconds.
/// </summary>
public sealed class BuiltInDefaultsTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    [Fact]
    public async Task A_deployment_gets_its_spec_and_pod_template_defaults_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var sent = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Strategy = new V1DeploymentStrategy(), // SetDefaults_Deployment fills an empty strategy too
                Template = Template(new V1Container
                {
                    Name = "c",
                    Image = "nginx",
                    Ports = [new V1ContainerPort { ContainerPort = 80 }],
                    ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = 80 } },
                }),
            },
        };

        var created = await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(sent, ns);

        // SetDefaults_Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600.
        Assert.Equal(1, created.Spec.Replicas);
        Assert.Equal("RollingUpdate", created.Spec.Strategy.Type);
        Assert.Equal("25%", created.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal("25%", created.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal(10, created.Spec.RevisionHistoryLimit);
        Assert.Equal(600, created.Spec.ProgressDeadlineSeconds);

        // SetDefaults_PodSpec on the template; SetDefaults_Pod's enableServiceLinks is for pods only.
        var pod = created.Spec.Template.Spec;
        Assert.Equal("ClusterFirst", pod.DnsPolicy);
        Assert.Equal("Always", pod.RestartPolicy);
        Assert.Equal(30, pod.TerminationGracePeriodSeconds);
        Assert.Equal("default-scheduler", pod.SchedulerName);
        Assert.NotNull(pod.SecurityContext);
        Assert.Null(pod.EnableServiceLinks);
        Assert.Null(pod.Tolerations);

        // SetDefaults_Container: no tag means :latest, so Always; SetDefaults_ContainerPort; SetDefaults_Probe; SetDefaults_HTTPGetAction.
        var container = pod.Containers[0];
        Assert.Equal("Always", container.ImagePullPolicy);
        Assert.Equal("/dev/termination-log", container.TerminationMessagePath);
        Assert.Equal("File", container.TerminationMessagePolicy);
        Assert.Equal("TCP", container.Ports[0].Protocol);
        var probe = container.ReadinessProbe;
        Assert.Equal((1, 10, 1, 3), (probe.TimeoutSeconds, probe.PeriodSeconds, probe.SuccessThreshold, probe.FailureThreshold));
        Assert.Equal(("/", "HTTP"), (probe.HttpGet.Path, probe.HttpGet.Scheme));
    }

    [Fact]
    public async Task A_pod_gets_enableServiceLinks_and_the_default_not_ready_and_unreachable_tolerations_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod { Metadata = new V1ObjectMeta { Name = "p" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }] } }, ns);

        Assert.True(created.Spec.EnableServiceLinks); // SetDefaults_Pod
        Assert.Equal("IfNotPresent", created.Spec.Containers[0].ImagePullPolicy); // a tag other than latest
        Assert.Equal("default", created.Spec.ServiceAccountName); // ServiceAccount admission plugin

        // DefaultTolerationSeconds admission plugin: 300 s for each NoExecute taint of an unhealthy node.
        var tolerations = created.Spec.Tolerations.Select(t => (t.Key, t.OperatorProperty, t.Effect, t.TolerationSeconds)).ToList();
        Assert.Equal(
            [("node.kubernetes.io/not-ready", "Exists", "NoExecute", 300L), ("node.kubernetes.io/unreachable", "Exists", "NoExecute", 300L)],
            tolerations);
    }

    [Fact]
    public async Task A_job_gets_its_spec_and_pod_template_defaults_through_kubectl()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: once}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: c, image: "busybox:latest"}]
            """);

        var job = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get job once -n {ns} -o json"))!;
        var spec = job["spec"]!;

        // SetDefaults_Job: completions and parallelism 1 when neither is set, backoffLimit 6, NonIndexed, not suspended,
        // podReplacementPolicy TerminatingOrFailed without a podFailurePolicy (JobPodReplacementPolicy, on in 1.32).
        Assert.Equal(1, (int)spec["completions"]!);
        Assert.Equal(1, (int)spec["parallelism"]!);
        Assert.Equal(6, (int)spec["backoffLimit"]!);
        Assert.Equal("NonIndexed", (string?)spec["completionMode"]);
        Assert.False((bool)spec["suspend"]!);
        Assert.Equal("TerminatingOrFailed", (string?)spec["podReplacementPolicy"]);

        var pod = spec["template"]!["spec"]!;
        Assert.Equal("Never", (string?)pod["restartPolicy"]);
        Assert.Equal("ClusterFirst", (string?)pod["dnsPolicy"]);
        Assert.Equal(30, (int)pod["terminationGracePeriodSeconds"]!);
        Assert.Equal("default-scheduler", (string?)pod["schedulerName"]);
        Assert.Equal("Always", (string?)pod["containers"]![0]!["imagePullPolicy"]); // :latest
        Assert.Equal("/dev/termination-log", (string?)pod["containers"]![0]!["terminationMessagePath"]);
    }

    [Fact]
    public async Task Defaults_are_set_again_on_update_so_a_replace_without_them_changes_nothing_through_kubectl()
    {
        var ns = await cluster.CreateNamespaceAsync();
        const string manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: c, image: "nginx:1.27"}]}
            """;
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", manifest);
        var before = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get deployment web -n {ns} -o json"))!;

        // kube-apiserver defaults every decoded body, so a PUT of the bare manifest is a no-op: same generation.
        await cluster.Kubectl.SucceedAsync($"replace -n {ns} -f -", manifest);
        var after = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get deployment web -n {ns} -o json"))!;

        Assert.True(JsonNode.DeepEquals(before["spec"], after["spec"]), before["spec"]!.ToJsonString() + "\n" + after["spec"]!.ToJsonString());
        Assert.Equal((long)before["metadata"]!["generation"]!, (long)after["metadata"]!["generation"]!);
        Assert.Equal("IfNotPresent", (string?)after["spec"]!["template"]!["spec"]!["containers"]![0]!["imagePullPolicy"]);
    }

    private static V1PodTemplateSpec Template(V1Container container) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec { Containers = [container] },
    };
}
