using System.Net;
using System.Text;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Api;

/// <summary>
/// Object semantics every client relies on, checked through KubernetesClient and on the wire.
/// API conventions: "resourceVersion ... changes on every write", "generation ... incremented on changes to the
/// desired state (spec)", and errors are meta/v1 Status objects with reason, details and code.
/// </summary>
public sealed class ObjectSemanticsTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    [Fact]
    public async Task Create_assigns_uid_creationTimestamp_resourceVersion_and_generation_1()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);

        Assert.True(Guid.TryParse(created.Metadata.Uid, out _), created.Metadata.Uid);
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.True(long.Parse(created.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(1, created.Metadata.Generation);
    }

    [Fact]
    public async Task ResourceVersion_comes_from_one_global_counter_across_resources()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var first = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), ns);
        var second = await cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, ns);
        var third = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b"), ns);

        var rvs = new[] { first, (IMetadata<V1ObjectMeta>)second, third }.Select(o => long.Parse(o.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(rvs[0] < rvs[1] && rvs[1] < rvs[2], string.Join(",", rvs));
    }

    [Fact]
    public async Task Update_with_stale_resourceVersion_returns_409_Conflict_with_the_optimistic_lock_message()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("cfg"), ns);
        created.Data = new Dictionary<string, string> { ["k"] = "v2" };
        await cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "cfg", ns);

        created.Data["k"] = "v3"; // still carries the old resourceVersion
        var response = await cluster.Http.PutAsync($"api/v1/namespaces/{ns}/configmaps/cfg", Json(created));

        var status = await StatusBody.ReadAsync(response, HttpStatusCode.Conflict);
        Assert.Equal("Conflict", (string?)status["reason"]);
        Assert.Equal("Operation cannot be fulfilled on configmaps \"cfg\": the object has been modified; please apply your changes to the latest version and try again", (string?)status["message"]);
        Assert.Equal("cfg", (string?)status["details"]!["name"]);
        Assert.Equal("configmaps", (string?)status["details"]!["kind"]);
    }

    [Fact]
    public async Task Create_of_an_existing_name_returns_409_AlreadyExists_naming_group_and_resource()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);

        var response = await cluster.Http.PostAsync($"apis/apps/v1/namespaces/{ns}/deployments", Json(Deployment("web")));

        var status = await StatusBody.ReadAsync(response, HttpStatusCode.Conflict);
        Assert.Equal("AlreadyExists", (string?)status["reason"]);
        Assert.Equal("deployments.apps \"web\" already exists", (string?)status["message"]);
        Assert.Equal("apps", (string?)status["details"]!["group"]);
        Assert.Equal("deployments", (string?)status["details"]!["kind"]);
    }

    [Fact]
    public async Task Get_of_a_missing_object_returns_404_NotFound_status_and_client_exception()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var response = await cluster.Http.GetAsync($"api/v1/namespaces/{ns}/pods/nope");
        var status = await StatusBody.ReadAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("pods \"nope\" not found", (string?)status["message"]);
        Assert.Equal("NotFound", (string?)status["reason"]);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("nope", ns));
        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
    }

    [Fact]
    public async Task Create_in_a_missing_namespace_returns_404_for_the_namespace()
    {
        var response = await cluster.Http.PostAsync("api/v1/namespaces/does-not-exist/configmaps", Json(ConfigMap("x")));
        var status = await StatusBody.ReadAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("namespaces \"does-not-exist\" not found", (string?)status["message"]);
    }

    [Fact]
    public async Task Invalid_name_returns_422_Invalid_with_field_cause()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var response = await cluster.Http.PostAsync($"api/v1/namespaces/{ns}/configmaps", Json(ConfigMap("Bad_Name")));
        var status = await StatusBody.ReadAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.StartsWith("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", (string?)status["message"]);
        Assert.Equal("metadata.name", (string?)status["details"]!["causes"]![0]!["field"]);
        Assert.Equal("FieldValueInvalid", (string?)status["details"]!["causes"]![0]!["reason"]);
    }

    [Fact]
    public async Task Spec_change_bumps_generation_but_label_and_status_changes_do_not()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);

        var labelled = await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"metadata":{"labels":{"team":"a"}}}""", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.Equal(1, labelled.Metadata.Generation);

        var status = await cluster.Client.AppsV1.PatchNamespacedDeploymentStatusAsync(
            new V1Patch("""{"status":{"observedGeneration":1,"replicas":7}}""", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.Equal(1, status.Metadata.Generation);
        Assert.Equal(7, status.Status.Replicas);

        var scaled = await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"replicas":3}}""", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.Equal(2, scaled.Metadata.Generation);
    }

    [Fact]
    public async Task Status_subresource_ignores_spec_and_main_resource_ignores_status()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var d = await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", replicas: 0), ns);

        d.Spec.Replicas = 5;
        d.Status = new V1DeploymentStatus { Replicas = 9 };
        var afterStatus = await cluster.Client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(d, "web", ns);
        Assert.Equal(0, afterStatus.Spec.Replicas);
        Assert.Equal(9, afterStatus.Status.Replicas);

        afterStatus.Status.Replicas = 1;
        afterStatus.Spec.Replicas = 0;
        afterStatus.Metadata.Labels = new Dictionary<string, string> { ["x"] = "y" };
        var afterMain = await cluster.Client.AppsV1.ReplaceNamespacedDeploymentAsync(afterStatus, "web", ns);
        Assert.Equal(9, afterMain.Status.Replicas);
        Assert.Equal("y", afterMain.Metadata.Labels["x"]);
    }

    [Fact]
    public async Task List_filters_by_label_selector_and_field_selector()
    {
        var ns = await cluster.CreateNamespaceAsync();
        foreach (var (name, tier) in new[] { ("a", "web"), ("b", "db"), ("c", "web") })
        {
            var cm = ConfigMap(name);
            cm.Metadata.Labels = new Dictionary<string, string> { ["tier"] = tier };
            await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns);
        }

        var web = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "tier=web");
        Assert.Equal(["a", "c"], web.Items.Select(i => i.Metadata.Name));
        var notWeb = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "tier notin (web)");
        Assert.Equal(["b", "kube-root-ca.crt"], notWeb.Items.Select(i => i.Metadata.Name)); // notin also matches objects without the label
        var byName = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: "metadata.name=c");
        Assert.Equal(["c"], byName.Items.Select(i => i.Metadata.Name));
        var acrossNamespaces = await cluster.Client.CoreV1.ListConfigMapForAllNamespacesAsync(fieldSelector: $"metadata.namespace={ns}");
        Assert.Equal(["a", "b", "c", "kube-root-ca.crt"], acrossNamespaces.Items.Select(i => i.Metadata.Name));

        var bad = await cluster.Http.GetAsync($"api/v1/namespaces/{ns}/configmaps?fieldSelector=spec.nope%3Dx");
        var status = await StatusBody.ReadAsync(bad, HttpStatusCode.BadRequest);
        Assert.Equal("field label not supported: spec.nope", (string?)status["message"]);
    }

    [Fact]
    public async Task List_pages_with_limit_and_continue_and_reports_remaining_items()
    {
        var ns = await cluster.CreateNamespaceAsync();
        for (var i = 0; i < 5; i++)
        {
            await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"cm-{i}"), ns);
        }

        var page1 = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2);
        Assert.Equal(["cm-0", "cm-1"], page1.Items.Select(i => i.Metadata.Name));
        Assert.Equal(4, page1.Metadata.RemainingItemCount); // the other three and kube-root-ca.crt
        var page2 = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2, continueParameter: page1.Metadata.ContinueProperty);
        Assert.Equal(["cm-2", "cm-3"], page2.Items.Select(i => i.Metadata.Name));
        var page3 = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2, continueParameter: page2.Metadata.ContinueProperty);
        Assert.Equal(["cm-4", "kube-root-ca.crt"], page3.Items.Select(i => i.Metadata.Name));
        Assert.Null(page3.Metadata.ContinueProperty);
    }

    [Fact]
    public async Task Finalizer_keeps_a_deleted_object_with_deletionTimestamp_until_removed()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var cm = ConfigMap("held");
        cm.Metadata.Finalizers = ["example.com/hold"];
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns);

        // handlers/delete.go: a deletion left pending by a finalizer is 200 with the marked object (202 only with orphanDependents=false).
        var delete = await cluster.Http.DeleteAsync($"api/v1/namespaces/{ns}/configmaps/held");
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Contains("\"deletionTimestamp\"", await delete.Content.ReadAsStringAsync());
        var marked = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("held", ns);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);

        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "held", ns);
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("held", ns));
        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_its_contents_then_the_namespace()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), ns);
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);

        await cluster.Client.CoreV1.DeleteNamespaceAsync(ns);

        await Eventually.MatchAsync(
            async () => (await cluster.Client.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={ns}")).Items.Count,
            count => count == 0,
            $"namespace {ns} to be gone");
        Assert.Empty((await cluster.Client.CoreV1.ListConfigMapForAllNamespacesAsync(fieldSelector: $"metadata.namespace={ns}")).Items);
        Assert.Empty((await cluster.Client.AppsV1.ListDeploymentForAllNamespacesAsync(fieldSelector: $"metadata.namespace={ns}")).Items);
    }

    [Fact]
    public async Task Creating_in_a_terminating_namespace_is_forbidden()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var cm = ConfigMap("held");
        cm.Metadata.Finalizers = ["example.com/hold"];
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns);
        await cluster.Client.CoreV1.DeleteNamespaceAsync(ns);

        var response = await cluster.Http.PostAsync($"api/v1/namespaces/{ns}/configmaps", Json(ConfigMap("late")));
        var status = await StatusBody.ReadAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal($"configmaps \"late\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", (string?)status["message"]);
    }

    [Fact]
    public async Task Background_cascading_delete_removes_dependents_and_orphan_keeps_them()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var owner = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("owner"), ns);
        var dependent = ConfigMap("dependent");
        dependent.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid }];
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(dependent, ns);

        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, new V1DeleteOptions { PropagationPolicy = "Background" });
        await Eventually.MatchAsync(
            async () => (await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Select(i => i.Metadata.Name).ToList(),
            names => !names.Contains("dependent"),
            "the dependent to be garbage collected");

        var owner2 = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("owner2"), ns);
        var kept = ConfigMap("kept");
        kept.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner2", Uid = owner2.Metadata.Uid }];
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(kept, ns);
        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("owner2", ns, new V1DeleteOptions { PropagationPolicy = "Orphan" });
        await Eventually.MatchAsync(
            async () => (await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Select(i => i.Metadata.Name).ToList(),
            names => !names.Contains("owner2"),
            "the orphaning owner to be deleted");
        var orphan = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("kept", ns);
        Assert.Null(orphan.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task Foreground_delete_keeps_the_owner_until_dependents_are_gone()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var owner = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("owner"), ns);
        var dependent = ConfigMap("dependent");
        dependent.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid, BlockOwnerDeletion = true }];
        dependent.Metadata.Finalizers = ["example.com/hold"];
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(dependent, ns);

        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, new V1DeleteOptions { PropagationPolicy = "Foreground" });
        var waiting = await Eventually.MatchAsync(
            () => cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("dependent", ns),
            d => d.Metadata.DeletionTimestamp is not null,
            "the dependent to be deleting");
        var ownerNow = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns);
        Assert.Contains("foregroundDeletion", ownerNow.Metadata.Finalizers);
        Assert.NotNull(ownerNow.Metadata.DeletionTimestamp);

        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "dependent", ns);
        await Eventually.MatchAsync(
            async () => (await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Select(i => i.Metadata.Name).ToList(),
            names => !names.Contains("owner") && !names.Contains("dependent"),
            "owner and dependent to be gone");
        _ = waiting;
    }

    [Fact]
    public async Task DeleteCollection_deletes_only_selected_objects()
    {
        var ns = await cluster.CreateNamespaceAsync();
        foreach (var (name, app) in new[] { ("a", "x"), ("b", "x"), ("c", "y") })
        {
            var cm = ConfigMap(name);
            cm.Metadata.Labels = new Dictionary<string, string> { ["app"] = app };
            await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns);
        }

        await cluster.Client.CoreV1.DeleteCollectionNamespacedConfigMapAsync(ns, labelSelector: "app=x");
        var left = await cluster.Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        Assert.Equal(["c", "kube-root-ca.crt"], left.Items.Select(i => i.Metadata.Name));
    }

    [Fact]
    public async Task Json_patch_strategic_patch_and_merge_patch_follow_their_rules()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), ns);

        // Strategic merge: containers merge by name, env by name (patchMergeKey).
        var strategic = await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"2"}]}]}}}}""", V1Patch.PatchType.StrategicMergePatch), "web", ns);
        var container = Assert.Single(strategic.Spec.Template.Spec.Containers);
        Assert.Equal("nginx", container.Image);
        Assert.Equal(["A", "B"], container.Env.Select(e => e.Name));

        // Merge patch (RFC 7386): lists are replaced.
        var merged = await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """{"spec":{"template":{"spec":{"containers":[{"name":"other","image":"busybox"}]}}}}""", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.Equal(["other"], merged.Spec.Template.Spec.Containers.Select(c => c.Name));

        // JSON patch (RFC 6902), including a failing test op → 422.
        var patched = await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """[{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/spec/template/metadata/labels/x","value":"y"}]""", V1Patch.PatchType.JsonPatch), "web", ns);
        Assert.Equal(4, patched.Spec.Replicas);
        Assert.Equal("y", patched.Spec.Template.Metadata.Labels["x"]);
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """[{"op":"test","path":"/spec/replicas","value":99}]""", V1Patch.PatchType.JsonPatch), "web", ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
    }

    [Fact]
    public async Task Server_side_apply_records_managers_and_conflicts_with_another_owner()
    {
        var ns = await cluster.CreateNamespaceAsync();
        const string config = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"a":"1","b":"2"}}""";
        var applied = await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(config, V1Patch.PatchType.ApplyPatch), "cfg", ns, fieldManager: "alice");
        var entry = Assert.Single(applied.Metadata.ManagedFields);
        Assert.Equal(("alice", "Apply"), (entry.Manager, entry.Operation));

        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"bob"}}""", V1Patch.PatchType.MergePatch), "cfg", ns, fieldManager: "bob");
        var conflict = await cluster.Http.PatchAsync($"api/v1/namespaces/{ns}/configmaps/cfg?fieldManager=alice",
            new StringContent(config, Encoding.UTF8, "application/apply-patch+yaml"));
        var status = await StatusBody.ReadAsync(conflict, HttpStatusCode.Conflict);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"bob\" using v1: .data.a", (string?)status["message"]);
        Assert.Equal(".data.a", (string?)status["details"]!["causes"]![0]!["field"]);

        var forced = await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(config, V1Patch.PatchType.ApplyPatch), "cfg", ns, fieldManager: "alice", force: true);
        Assert.Equal("1", forced.Data["a"]);
        Assert.DoesNotContain(forced.Metadata.ManagedFields, m => m.Manager == "bob");

        // Dropping a field from the applied configuration removes it when nobody else owns it.
        var shrunk = await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"a":"1"}}""", V1Patch.PatchType.ApplyPatch), "cfg", ns, fieldManager: "alice");
        Assert.Equal(["a"], shrunk.Data.Keys);
    }

    internal static V1ConfigMap ConfigMap(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Data = new Dictionary<string, string> { ["k"] = "v" },
    };

    internal static V1Deployment Deployment(string name, int replicas = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "nginx", Env = [new V1EnvVar { Name = "A", Value = "1" }] }] },
            },
        },
    };

    private static StringContent Json(object o) => new(KubernetesJson.Serialize(o), Encoding.UTF8, "application/json");
}
