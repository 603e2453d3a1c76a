using System.Text.Json.Nodes;
using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;
using static AgentOperator.Operator.Tests.Provisioning.ProvisioningFixtures;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed class ChildDiffTests
{
    private static readonly RevisionChildren Desired = RevisionChildrenBuilder.Build(Inputs(), new());

    /// <summary>What the API server returns for <paramref name="desired"/>: a copy with server fields and defaults added.</summary>
    private static T AsServerReturns<T>(T desired, Action<JsonObject>? defaults = null)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(desired))!.AsObject();
        // Typed list responses carry no apiVersion and kind on their items.
        node.Remove("apiVersion");
        node.Remove("kind");
        var metadata = node["metadata"]!.AsObject();
        metadata["resourceVersion"] = "48213";
        metadata["uid"] = "0d3c2b1a-0000-4000-8000-000000000001";
        metadata["generation"] = 4;
        metadata["creationTimestamp"] = "2026-11-25T10:00:00Z";
        metadata["managedFields"] = new JsonArray(new JsonObject { ["manager"] = "agentoperator", ["operation"] = "Update", ["apiVersion"] = "v1" });
        (metadata["annotations"] ??= new JsonObject())["kubectl.kubernetes.io/last-applied-configuration"] = "{}";
        defaults?.Invoke(node);
        return KubernetesJson.Deserialize<T>(node.ToJsonString());
    }

    private static void DeploymentDefaults(JsonObject deployment)
    {
        deployment["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"] = "1";
        var spec = deployment["spec"]!.AsObject();
        spec["strategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" } };
        spec["template"]!["metadata"]!["creationTimestamp"] = null;
        var pod = spec["template"]!["spec"]!.AsObject();
        pod["restartPolicy"] = "Always";
        pod["dnsPolicy"] = "ClusterFirst";
        pod["schedulerName"] = "default-scheduler";
        pod["terminationGracePeriodSeconds"] = 30;
        foreach (var container in pod["containers"]!.AsArray())
        {
            container!["terminationMessagePath"] = "/dev/termination-log";
            container["terminationMessagePolicy"] = "File";
            container["imagePullPolicy"] = "IfNotPresent";
            foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
            {
                if (container[probe] is JsonObject p)
                {
                    p["timeoutSeconds"] = 1;
                    p["successThreshold"] = 1;
                    p["httpGet"]!["scheme"] = "HTTP";
                }
            }
        }

        foreach (var volume in pod["volumes"]!.AsArray())
        {
            if (volume!["projected"] is JsonObject projected)
            {
                projected["defaultMode"] = 420;
            }
        }

        deployment["status"] = new JsonObject { ["replicas"] = 2, ["readyReplicas"] = 2, ["observedGeneration"] = 4 };
    }

    [Fact]
    public void Compare_identical_objects_is_no_change()
    {
        Assert.Equal(ChildChange.None, ChildDiff.Compare(Desired.Deployment, RevisionChildrenBuilder.Build(Inputs(), new()).Deployment).Change);
    }

    [Fact]
    public void Compare_every_child_as_the_server_returns_it_is_no_change()
    {
        Assert.Equal(ChildChange.None, ChildDiff.Compare(AsServerReturns(Desired.ServiceAccount), Desired.ServiceAccount).Change);
        Assert.Equal(ChildChange.None, ChildDiff.Compare(AsServerReturns(Desired.Role), Desired.Role).Change);
        Assert.Equal(ChildChange.None, ChildDiff.Compare(AsServerReturns(Desired.RoleBinding), Desired.RoleBinding).Change);
        Assert.Equal(ChildChange.None, ChildDiff.Compare(AsServerReturns(Desired.BundleConfigMap), Desired.BundleConfigMap).Change);
        Assert.Equal(ChildChange.None, ChildDiff.Compare(AsServerReturns(Desired.NetworkPolicy), Desired.NetworkPolicy).Change);
        Assert.Equal(ChildChange.None, ChildDiff.Compare(AsServerReturns(Desired.Deployment, DeploymentDefaults), Desired.Deployment).Change);
    }

    [Fact]
    public void Compare_service_with_allocated_cluster_ip_is_no_change()
    {
        var desired = ServiceBuilder.Build(Workflow(), Revision, null, new())[0];
        var existing = AsServerReturns(desired, service =>
        {
            var spec = service["spec"]!.AsObject();
            spec["clusterIP"] = "10.96.14.2";
            spec["clusterIPs"] = new JsonArray("10.96.14.2");
            spec["sessionAffinity"] = "None";
            spec["ipFamilies"] = new JsonArray("IPv4");
            spec["internalTrafficPolicy"] = "Cluster";
        });

        Assert.Equal(ChildDifference.None, ChildDiff.Compare(existing, desired));
    }

    [Fact]
    public void Compare_omitted_false_and_empty_fields_is_no_change()
    {
        // Go's omitempty drops false and empty values the operator may set explicitly.
        var existing = AsServerReturns(Desired.Deployment, deployment =>
        {
            DeploymentDefaults(deployment);
            var pod = deployment["spec"]!["template"]!["spec"]!.AsObject();
            pod.Remove("shareProcessNamespace");
            pod.Remove("enableServiceLinks");
        });

        Assert.Equal(ChildChange.None, ChildDiff.Compare(existing, Desired.Deployment).Change);
    }

    [Fact]
    public void Compare_changed_image_is_an_update_naming_the_field()
    {
        var existing = AsServerReturns(Desired.Deployment, DeploymentDefaults);
        existing.Spec.Template.Spec.Containers[1].Image = "ghcr.io/agentoperator/gateway:0.0.1";

        var difference = ChildDiff.Compare(existing, Desired.Deployment);

        Assert.Equal(ChildChange.Update, difference.Change);
        Assert.Equal(["/spec/template/spec/containers/1/image"], difference.Paths);
    }

    [Fact]
    public void Compare_changed_replicas_is_an_update()
    {
        var existing = AsServerReturns(Desired.Deployment, DeploymentDefaults);
        existing.Spec.Replicas = 5;

        Assert.Equal(["/spec/replicas"], ChildDiff.Compare(existing, Desired.Deployment).Paths);
    }

    [Fact]
    public void Compare_removed_owned_label_is_an_update_but_a_foreign_label_is_not()
    {
        var withForeign = AsServerReturns(Desired.BundleConfigMap);
        withForeign.Metadata.Labels["team"] = "payments";
        var withoutOwned = AsServerReturns(Desired.BundleConfigMap);
        withoutOwned.Metadata.Labels.Remove("agentoperator.io/revision");

        Assert.Equal(ChildChange.None, ChildDiff.Compare(withForeign, Desired.BundleConfigMap).Change);
        Assert.Equal(["/metadata/labels/agentoperator.io~1revision"], ChildDiff.Compare(withoutOwned, Desired.BundleConfigMap).Paths);
    }

    [Fact]
    public void Compare_extra_container_or_volume_mount_is_an_update()
    {
        var injected = AsServerReturns(Desired.Deployment, DeploymentDefaults);
        injected.Spec.Template.Spec.Containers.Add(new V1Container { Name = "debug", Image = "busybox" });
        var mounted = AsServerReturns(Desired.Deployment, DeploymentDefaults);
        mounted.Spec.Template.Spec.Containers[0].VolumeMounts.Add(new V1VolumeMount { Name = "secret-openai-key", MountPath = "/steal" });

        Assert.Equal(["/spec/template/spec/containers"], ChildDiff.Compare(injected, Desired.Deployment).Paths);
        Assert.Equal(["/spec/template/spec/containers/0/volumeMounts"], ChildDiff.Compare(mounted, Desired.Deployment).Paths);
    }

    [Fact]
    public void Compare_changed_bundle_is_an_update_of_data_and_hash()
    {
        var changed = BundleConfigMapBuilder.Build(Inputs() with { BundleJson = """{"killSwitch":true}""" });

        var difference = ChildDiff.Compare(AsServerReturns(Desired.BundleConfigMap), changed);

        Assert.Equal(ChildChange.Update, difference.Change);
        Assert.Equal(["/metadata/annotations/agentoperator.io~1bundle-sha256", "/data/bundle.json"], difference.Paths);
    }

    [Fact]
    public void Compare_changed_role_rules_is_an_update()
    {
        var observe = IdentityBuilder.Role(Inputs(Spec with { Autonomy = Crds.V1Alpha1.Autonomy.Observe }));

        Assert.Equal(ChildChange.Update, ChildDiff.Compare(AsServerReturns(observe), Desired.Role).Change);
    }

    [Fact]
    public void Compare_changed_selector_or_role_ref_needs_a_replace()
    {
        var deployment = AsServerReturns(Desired.Deployment, DeploymentDefaults);
        deployment.Spec.Selector.MatchLabels["agentoperator.io/revision"] = "0000000000";
        var binding = AsServerReturns(Desired.RoleBinding);
        binding.RoleRef.Name = "someone-else";

        Assert.Equal(ChildChange.Replace, ChildDiff.Compare(deployment, Desired.Deployment).Change);
        Assert.Equal(ChildChange.Replace, ChildDiff.Compare(binding, Desired.RoleBinding).Change);
    }

    [Fact]
    public void Compare_quantities_in_canonical_form_is_no_change()
    {
        var desired = DeploymentBuilder.Build(Inputs(Spec with { Runtime = Spec.Runtime with { Resources = new() { Requests = new Dictionary<string, string> { ["cpu"] = "0.5", ["memory"] = "1024Mi" } } } }), new());
        var existing = AsServerReturns(desired, deployment =>
        {
            // The API server stores canonical quantities.
            var requests = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["requests"]!;
            requests["cpu"] = "500m";
            requests["memory"] = "1Gi";
        });

        Assert.Equal(ChildChange.None, ChildDiff.Compare(existing, desired).Change);
    }
}
