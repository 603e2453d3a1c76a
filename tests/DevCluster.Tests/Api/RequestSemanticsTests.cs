using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;
using AgentOperator.DevCluster.Tests.Node;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Api;

/// <summary>
/// JSON patch, list options, list encoding and delete responses as kube-apiserver answers them, through
/// KubernetesClient and the real kubectl. Sources: k8s.io/apiserver pkg/endpoints/handlers/patch.go (JSON patch with
/// gopkg.in/evanphx/json-patch.v4, failures as errors.NewGenericServerResponse 422), handlers/get.go and
/// apimachinery meta/internalversion/validation (ValidateListOptions), storage/etcd3 (historical reads, 410 on compaction,
/// NewTooLargeResourceVersionError), handlers/delete.go and registry/generic/registry/store.go (finalizeDelete's Status).
/// </summary>
public sealed class RequestSemanticsTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    private const string Rejected = "the server rejected our request due to an error in our request";

    [Fact]
    public async Task A_json_patch_replace_of_a_missing_object_member_sets_it_as_json_patch_v4_does_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, ns);

        // json-patch v4's partialDoc.get answers a missing key without error, so replace acts as add (unlike RFC 6902).
        var patched = await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""[{"op":"replace","path":"/data/b","value":"2"}]""", V1Patch.PatchType.JsonPatch), "cfg", ns);

        Assert.Equal("2", patched.Data["b"]);
    }

    [Theory]
    [InlineData("""[{"op":"replace","path":"/metadata/labels/x","value":"y"}]""")] // missing parent (no labels)
    [InlineData("""[{"op":"replace","path":"/spec/template/spec/containers/5/image","value":"x"}]""")] // missing array index
    [InlineData("""[{"op":"remove","path":"/spec/paused"}]""")]
    [InlineData("""[{"op":"test","path":"/spec/replicas","value":99}]""")]
    [InlineData("""[{"op":"add","path":"/spec/template/spec/containers/9","value":{}}]""")]
    [InlineData("""[{"op":"frobnicate","path":"/spec"}]""")]
    public async Task A_json_patch_that_does_not_apply_is_422_Invalid_with_the_generic_message_through_KubernetesClient(string patch)
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() =>
            cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.JsonPatch), "web", ns));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        var status = JsonNode.Parse(e.Response.Content)!.AsObject();
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Equal(Rejected, (string?)status["message"]);
    }

    [Fact]
    public async Task Kubectl_reports_a_json_patch_that_does_not_apply_as_kube_apiserver_does()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);

        var refused = await cluster.Kubectl.RunAsync($"patch deployment web -n {ns} --type=json -p '[{{\"op\":\"remove\",\"path\":\"/spec/nothere\"}}]'");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"The request is invalid: {Rejected}", refused.Stderr);
    }

    [Fact]
    public async Task A_json_patch_body_that_is_not_a_list_of_operations_is_400()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg" } }, ns);
        using var body = new StringContent("""{"op":"add"}""", Encoding.UTF8, "application/json-patch+json");

        var response = await cluster.Http.PatchAsync($"api/v1/namespaces/{ns}/configmaps/cfg", body);

        var status = await StatusBody.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("json: cannot unmarshal object into Go value of type jsonpatch.Patch", (string?)status["message"]);
    }

    [Fact]
    public async Task A_list_at_an_exact_resourceVersion_shows_the_state_then_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" }, Data = new Dictionary<string, string> { ["v"] = "1" } }, ns);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        var before = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        var then = before.Metadata.ResourceVersion;

        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b" } }, ns);
        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"v":"2"}}""", V1Patch.PatchType.MergePatch), "a", ns);
        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns);

        var exact = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, resourceVersion: then, resourceVersionMatch: "Exact");
        Assert.Equal(then, exact.Metadata.ResourceVersion);
        Assert.Equal(before.Items.Select(i => i.Metadata.Name), exact.Items.Select(i => i.Metadata.Name));
        Assert.Equal("1", exact.Items.Single(i => i.Metadata.Name == "a").Data["v"]);

        // NotOlderThan an old revision answers the current state.
        var current = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, resourceVersion: then, resourceVersionMatch: "NotOlderThan");
        Assert.Equal(["a", "b", "kube-root-ca.crt"], current.Items.Select(i => i.Metadata.Name));
        Assert.Equal("2", current.Items.Single(i => i.Metadata.Name == "a").Data["v"]);
    }

    [Fact]
    public async Task Every_page_of_a_paged_list_shows_the_state_of_the_first_page()
    {
        var ns = await cluster.CreateNamespaceAsync();
        foreach (var name in new[] { "a", "b", "c" })
        {
            await cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = name } }, ns);
        }

        var page1 = await cluster.Client.CoreV1.ListNamespacedSecretAsync(ns, limit: 1);
        await cluster.Client.CoreV1.DeleteNamespacedSecretAsync("c", ns);
        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "bb" } }, ns);
        var rest = await cluster.Client.CoreV1.ListNamespacedSecretAsync(ns, continueParameter: page1.Metadata.ContinueProperty);

        Assert.Equal(["a"], page1.Items.Select(i => i.Metadata.Name));
        Assert.Equal(["b", "c"], rest.Items.Select(i => i.Metadata.Name));
        Assert.Equal(page1.Metadata.ResourceVersion, rest.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task A_list_at_a_compacted_revision_is_410_and_at_a_future_one_is_504_Too_large_resource_version()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var list = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        var future = long.Parse(list.Metadata.ResourceVersion) + 100_000;

        var tooLarge = await cluster.Http.GetAsync($"api/v1/namespaces/{ns}/configmaps?resourceVersion={future}&resourceVersionMatch=Exact");
        var status = await StatusBody.ReadAsync(tooLarge, HttpStatusCode.GatewayTimeout);
        Assert.Equal("Timeout", (string?)status["reason"]);
        Assert.StartsWith($"Timeout: Too large resource version: {future}, current: ", (string?)status["message"]);
        Assert.Equal("ResourceVersionTooLarge", (string?)status.At("details", "causes", 0, "reason"));

        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "later" } }, ns);
        cluster.Server.Faults.ExpireWatchHistory();
        var expired = await cluster.Http.GetAsync($"api/v1/namespaces/{ns}/configmaps?resourceVersion={list.Metadata.ResourceVersion}&resourceVersionMatch=Exact");
        var gone = await StatusBody.ReadAsync(expired, HttpStatusCode.Gone);
        Assert.Equal("Expired", (string?)gone["reason"]);
        Assert.Equal("The resourceVersion for the provided list is too old.", (string?)gone["message"]);
    }

    [Theory]
    [InlineData("resourceVersionMatch=Exact", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")]
    [InlineData("resourceVersion=0&resourceVersionMatch=Exact", "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")]
    [InlineData("resourceVersion=1&resourceVersionMatch=Newest", "resourceVersionMatch: Unsupported value: \"Newest\": supported values: \"Exact\", \"NotOlderThan\", \"\"")]
    [InlineData("resourceVersion=1&resourceVersionMatch=Exact&continue=abc", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided")]
    public async Task Invalid_list_options_are_422_on_ListOptions(string query, string message)
    {
        var response = await cluster.Http.GetAsync($"api/v1/configmaps?{query}");

        var status = await StatusBody.ReadAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("ListOptions.meta.k8s.io \"\" is invalid: " + message, (string?)status["message"]);
    }

    [Fact]
    public async Task Items_of_built_in_lists_carry_no_kind_or_apiVersion_and_custom_resource_items_do()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg" } }, ns);

        var list = JsonNode.Parse(await cluster.Http.GetStringAsync($"api/v1/namespaces/{ns}/configmaps"))!.AsObject();
        Assert.Equal(("ConfigMapList", "v1"), ((string?)list["kind"], (string?)list["apiVersion"]));
        var item = list["items"]!.AsArray().Single(i => i.Str("metadata", "name") == "cfg")!.AsObject();
        Assert.False(item.ContainsKey("kind"));
        Assert.False(item.ContainsKey("apiVersion"));
        Assert.Equal("cfg", item.Str("metadata", "name"));

        // The single GET and kubectl still see the kind (kubectl fills it for lists it prints).
        Assert.Equal("ConfigMap", (await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("cfg", ns)).Kind);
        var yaml = await cluster.Kubectl.SucceedAsync($"get configmaps -n {ns} -o yaml");
        Assert.Contains("kind: ConfigMap\n", yaml);
    }

    [Fact]
    public async Task Deleting_a_configmap_answers_a_Success_Status_and_deleting_a_pod_answers_the_pod_through_KubernetesClient()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg" } }, ns);

        var status = await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("cfg", ns);
        Assert.Equal("Success", status.Status);
        Assert.Equal(("cfg", "configmaps", created.Metadata.Uid), (status.Details.Name, status.Details.Kind, status.Details.Uid));

        var deployment = await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);
        var deleted = await cluster.Client.AppsV1.DeleteNamespacedDeploymentAsync("web", ns);
        Assert.Equal(("apps", "deployments", deployment.Metadata.Uid), (deleted.Details.Group, deleted.Details.Kind, deleted.Details.Uid));

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "p" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }] } }, ns);
        var pod = await cluster.Client.CoreV1.DeleteNamespacedPodAsync("p", ns);
        Assert.Equal(("Pod", "p"), (pod.Kind, pod.Metadata.Name));
    }

    [Fact]
    public async Task Deletecollection_answers_the_list_of_deleted_objects_and_kubectl_delete_all_works()
    {
        var ns = await cluster.CreateNamespaceAsync();
        foreach (var name in new[] { "a", "b" })
        {
            await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "x" } } }, ns);
        }

        // Store.DeleteCollection answers the typed list of what it deleted.
        var response = await cluster.Http.DeleteAsync($"api/v1/namespaces/{ns}/configmaps?labelSelector=app%3Dx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deleted = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal("ConfigMapList", deleted.Str("kind"));
        Assert.Equal(["a", "b"], deleted["items"]!.AsArray().Select(i => i.Str("metadata", "name")));
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "app=x")).Items);

        await cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, ns);
        var output = await cluster.Kubectl.SucceedAsync($"delete secrets --all -n {ns}");
        Assert.Contains("secret \"s\" deleted", output);
    }

    private static V1Deployment Deployment(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx:1.27" }] },
            },
        },
    };
}
