using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.CustomResources;

/// <summary>
/// Custom resources served from an applied CRD, as apiextensions-apiserver serves them: structural-schema
/// validation with field paths, defaulting, CEL rules, Table columns from additionalPrinterColumns,
/// status and scale subresources, short names, categories and kubectl explain from OpenAPI v3.
/// </summary>
public sealed class CustomResourceTests(CustomResourceTests.Fixture cluster) : IClassFixture<CustomResourceTests.Fixture>
{
    /// <summary>A cluster with the Widget CRD applied and Established.</summary>
    public sealed class Fixture : ClusterFixture
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await Kubectl.SucceedAsync("apply -f -", WidgetCrd.Yaml);
            await Kubectl.SucceedAsync("wait --for condition=Established crd/widgets.example.com --timeout=10s");
        }
    }

    [Fact]
    public async Task Crd_reports_NamesAccepted_and_Established()
    {
        var crd = await cluster.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.example.com");
        Assert.Contains(crd.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
        Assert.Contains(crd.Status.Conditions, c => c.Type == "NamesAccepted" && c.Status == "True");
        Assert.Equal(["v1"], crd.Status.StoredVersions);
    }

    [Fact]
    public async Task Schema_violation_returns_422_with_the_field_path_like_kube_apiserver()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var response = await Post(ns, """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":0}}""");
        var status = await StatusBody.ReadAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Widget.example.com \"w\" is invalid: spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1", (string?)status["message"]);
        Assert.Equal("Widget", (string?)status["details"]!["kind"]);
        Assert.Equal("example.com", (string?)status["details"]!["group"]);
        Assert.Equal("spec.size", (string?)status["details"]!["causes"]![0]!["field"]);

        var kubectl = await cluster.Kubectl.RunAsync($"apply -n {ns} -f -", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {color: green}\n");
        // Like kube-apiserver, an enum failure also reports that CEL rules were skipped, so kubectl lists both errors.
        Assert.Contains("The Widget \"w\" is invalid:", kubectl.Stderr);
        Assert.Contains("spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\"", kubectl.Stderr);
    }

    [Fact]
    public async Task Cel_rule_message_is_reported_on_its_field()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var response = await Post(ns, """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":11}}""");
        var status = await StatusBody.ReadAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("spec: Invalid value: \"object\": size must be at most 10", (string?)status["message"]);
    }

    [Fact]
    public async Task Defaults_are_applied_and_unknown_fields_pruned()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var response = await Post(ns, """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"color":"red","bogus":true}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(3, (int?)created["spec"]!["size"]);
        Assert.Null(created["spec"]!["bogus"]);
        Assert.Equal(1, (int?)created["metadata"]!["generation"]);
    }

    [Fact]
    public async Task Status_subresource_writes_ignore_spec_and_do_not_bump_generation()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await Post(ns, """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":2},"status":{"phase":"ignored on create"}}""");
        var patched = await cluster.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch("""{"spec":{"size":9},"status":{"phase":"Ready"}}""", V1Patch.PatchType.MergePatch), "example.com", "v1", ns, "widgets", "w");
        Assert.Equal(2, (int?)patched["spec"]!["size"]);
        Assert.Equal("Ready", (string?)patched["status"]!["phase"]);
        Assert.Equal(1, (int?)patched["metadata"]!["generation"]);

        var spec = await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(
            new V1Patch("""{"spec":{"size":5},"status":{"phase":"ignored"}}""", V1Patch.PatchType.MergePatch), "example.com", "v1", ns, "widgets", "w");
        Assert.Equal(5, (int?)spec["spec"]!["size"]);
        Assert.Equal("Ready", (string?)spec["status"]!["phase"]);
        Assert.Equal(2, (int?)spec["metadata"]!["generation"]);
    }

    [Fact]
    public async Task Update_without_resourceVersion_is_rejected_for_custom_resources()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await Post(ns, """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{}}""");
        var response = await cluster.Http.PutAsync($"apis/example.com/v1/namespaces/{ns}/widgets/w",
            new StringContent("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":4}}""", Encoding.UTF8, "application/json"));
        var status = await StatusBody.ReadAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Widget.example.com \"w\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", (string?)status["message"]);
    }

    [Fact]
    public async Task Strategic_merge_patch_is_unsupported_for_custom_resources()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await Post(ns, """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{}}""");
        var response = await cluster.Http.PatchAsync($"apis/example.com/v1/namespaces/{ns}/widgets/w",
            new StringContent("""{"spec":{"size":4}}""", Encoding.UTF8, "application/strategic-merge-patch+json"));
        await StatusBody.ReadAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Kubectl_get_shows_printer_columns_by_plural_short_name_and_category()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 4}\n");
        await cluster.Kubectl.SucceedAsync($"patch widget w1 -n {ns} --subresource status --type merge -p '{{\"status\":{{\"phase\":\"Ready\"}}}}'");
        foreach (var resource in new[] { "widgets", "wd", "gadgets" })
        {
            var output = await cluster.Kubectl.SucceedAsync($"get {resource} -n {ns}");
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["NAME", "SIZE", "PHASE", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(["w1", "4", "Ready"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..3]);
        }
    }

    [Fact]
    public async Task A_date_column_prints_the_age_of_a_past_time_and_invalid_for_a_future_one_like_kube_apiserver()
    {
        // apiextensions-apiserver renders a date cell with HumanDuration(time.Since(t)), which is "<invalid>"
        // for anything more than a second ahead.
        var ns = await cluster.CreateNamespaceAsync();
        var now = DateTimeOffset.UtcNow;
        foreach (var (name, due) in new[] { ("past", now.AddMinutes(-42).AddSeconds(-20)), ("future", now.AddMinutes(9)) })
        {
            await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -",
                $"apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: {name}}}\nspec: {{due: \"{due.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\"}}\n");
        }

        var lines = (await cluster.Kubectl.SucceedAsync($"get widgets -n {ns} -o wide")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("DUE", lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]);
        var dueColumn = lines[1..].ToDictionary(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal("42m", dueColumn["past"]);
        Assert.Equal("<invalid>", dueColumn["future"]);
    }

    [Fact]
    public async Task Kubectl_scale_and_describe_work_through_the_scale_subresource()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {replicas: 1}\n");
        Assert.Contains("widget.example.com/w1 scaled", await cluster.Kubectl.SucceedAsync($"scale widget w1 -n {ns} --replicas=4"));
        Assert.Equal("4", (await cluster.Kubectl.SucceedAsync($"get widget w1 -n {ns} -o jsonpath={{.spec.replicas}}")).Trim());
        var describe = await cluster.Kubectl.SucceedAsync($"describe widget w1 -n {ns}");
        Assert.Contains("Replicas:  4", describe);
        Assert.Contains("Kind:         Widget", describe);
    }

    [Fact]
    public async Task Kubectl_explain_reads_the_schema_from_OpenAPI_v3()
    {
        var explain = await cluster.Kubectl.SucceedAsync("explain widgets.spec");
        Assert.Contains("KIND:       Widget", explain);
        Assert.Contains("What the widget should be.", explain);
        Assert.Contains("How big the widget is.", explain);
    }

    [Fact]
    public async Task Deleting_the_crd_removes_its_custom_resources_and_stops_serving_them()
    {
        var own = new ClusterFixture();
        await own.InitializeAsync();
        try
        {
            await RunAsync(own);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    private static async Task RunAsync(ClusterFixture own)
    {
        await own.Kubectl.SucceedAsync("apply -f -", WidgetCrd.Yaml);
        await own.Kubectl.SucceedAsync("wait --for condition=Established crd/widgets.example.com --timeout=10s");
        await own.Kubectl.SucceedAsync("apply -n default -f -", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {}\n");

        await own.Kubectl.SucceedAsync("delete crd widgets.example.com --timeout=20s");
        var response = await own.Http.GetAsync("apis/example.com/v1/namespaces/default/widgets");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_crd_serves_every_served_version_over_one_storage_with_None_conversion()
    {
        const string crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gizmos.example.com}
            spec:
              group: example.com
              scope: Cluster
              names: {plural: gizmos, singular: gizmo, kind: Gizmo}
              versions:
              - {name: v1beta1, served: true, storage: false, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
              - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
            """;
        await cluster.Kubectl.SucceedAsync("apply -f -", crd);
        await cluster.Kubectl.SucceedAsync("wait --for condition=Established crd/gizmos.example.com --timeout=10s");

        var created = await cluster.Http.PostAsync("apis/example.com/v1beta1/gizmos",
            new StringContent("""{"apiVersion":"example.com/v1beta1","kind":"Gizmo","metadata":{"name":"g"},"spec":{"x":1}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var asV1 = JsonNode.Parse(await cluster.Http.GetStringAsync("apis/example.com/v1/gizmos/g"))!;
        Assert.Equal("example.com/v1", (string?)asV1["apiVersion"]);
        Assert.Equal(1, (int?)asV1["spec"]!["x"]);
        var group = JsonNode.Parse(await cluster.Http.GetStringAsync("apis/example.com"))!;
        Assert.Equal("example.com/v1", (string?)group["preferredVersion"]!["groupVersion"]);
    }

    private Task<HttpResponseMessage> Post(string ns, string json) =>
        cluster.Http.PostAsync($"apis/example.com/v1/namespaces/{ns}/widgets", new StringContent(json, Encoding.UTF8, "application/json"));
}
