using System.Net;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Api;

/// <summary>
/// Built-in validation refusals as kube-apiserver answers them: 422 Invalid, the field path and the message of
/// apimachinery's field.Error, through KubernetesClient and the real kubectl. Sources (k8s.io/kubernetes):
/// pkg/apis/core/validation (validateContainers, ValidateConfigMap, ValidateSecret with IsConfigMapKey),
/// pkg/apis/apps/validation (ValidateDeploymentSpec, ValidatePodTemplateSpecForReplicaSet, ValidateDeploymentUpdate)
/// and pkg/apis/batch/validation (validateJobSpec).
/// </summary>
public sealed class BuiltInValidationTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    [Fact]
    public async Task A_deployment_container_without_an_image_is_422_naming_the_field_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var deployment = Deployment("web", "web", "web");
        deployment.Spec.Template.Spec.Containers[0].Image = null;

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("Deployment.apps \\\"web\\\" is invalid: spec.template.spec.containers[0].image: Required value", e.Response.Content);
        Assert.Contains("\"field\":\"spec.template.spec.containers[0].image\"", e.Response.Content);
    }

    [Fact]
    public async Task A_pod_container_without_an_image_is_refused_through_kubectl()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var refused = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec: {containers: [{name: c}]}
            """);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("The Pod \"p\" is invalid: spec.containers[0].image: Required value", refused.Stderr);
    }

    [Fact]
    public async Task A_job_whose_pods_restart_Always_is_refused_with_the_supported_values_through_kubectl()
    {
        var ns = await cluster.CreateNamespaceAsync();

        // No restartPolicy: SetDefaults_PodSpec makes it Always, which validateJobSpec refuses (field.NotSupported).
        var refused = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: once}
            spec:
              template:
                spec: {containers: [{name: c, image: busybox}]}
            """);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("The Job \"once\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"", refused.Stderr);
        Assert.Equal(1, (await cluster.Kubectl.RunAsync($"get job once -n {ns}")).ExitCode);
    }

    [Fact]
    public async Task A_deployment_selector_change_is_field_is_immutable_through_KubernetesClient_and_kubectl()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", "a", "a"), ns);

        // ValidateDeploymentUpdate: apps/v1 keeps spec.selector immutable (ValidateImmutableField).
        created.Spec.Selector.MatchLabels["app"] = "b";
        created.Spec.Template.Metadata.Labels["app"] = "b";
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.ReplaceNamespacedDeploymentAsync(created, "web", ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\\\"app\\\":\\\"b\\\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable", e.Response.Content);

        var refused = await cluster.Kubectl.RunAsync($"patch deployment web -n {ns} --type=merge -p {{\"spec\":{{\"selector\":{{\"matchLabels\":{{\"tier\":\"x\"}}}},\"template\":{{\"metadata\":{{\"labels\":{{\"tier\":\"x\"}}}}}}}}}}");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("The Deployment \"web\" is invalid: spec.selector: Invalid value:", refused.Stderr);
        Assert.Contains("field is immutable", refused.Stderr);
    }

    [Fact]
    public async Task A_deployment_whose_selector_does_not_match_its_template_labels_is_refused_through_kubectl()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var refused = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: a}}
              template:
                metadata: {labels: {app: b}}
                spec: {containers: [{name: c, image: nginx}]}
            """);

        // ValidatePodTemplateSpecForReplicaSet: field.Invalid(template.metadata.labels, labels, "`selector` does not match template `labels`").
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("The Deployment \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"b\"}: `selector` does not match template `labels`", refused.Stderr);
    }

    [Fact]
    public async Task ConfigMap_and_Secret_keys_that_are_not_config_keys_are_refused_through_KubernetesClient_and_kubectl()
    {
        var ns = await cluster.CreateNamespaceAsync();
        const string message = "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

        var refused = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: cfg}
            data: {"a b": "v"}
            """);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("The ConfigMap \"cfg\" is invalid: " + message, refused.Stderr);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, StringData = new Dictionary<string, string> { ["a b"] = "v" } }, ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("\"field\":\"data[a b]\"", e.Response.Content);

        // IsConfigMapKey also refuses "." , ".." and a leading "..".
        var dots = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: dots}
            data: {"..x": "v"}
            """);
        Assert.NotEqual(0, dots.ExitCode);
        Assert.Contains("data[..x]: Invalid value: \"..x\": must not start with '..'", dots.Stderr);
    }

    private static V1Deployment Deployment(string name, string selector, string label) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = selector } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = label } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
            },
        },
    };
}
