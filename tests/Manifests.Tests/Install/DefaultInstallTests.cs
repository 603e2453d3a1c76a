using System.Text.Json.Nodes;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Install;

/// <summary><c>kubectl kustomize config/default</c>: the complete install, rendered by the real kubectl.</summary>
public sealed class DefaultInstallTests
{
    private const string OperatorNamespace = "agentoperator-system";
    private const string Collector = "agentoperator-audit-collector";

    private static IReadOnlyList<KubeObject> Objects => Kubectl.Kustomize("config/default");

    private static KubeObject Single(string kind, string name) =>
        Assert.Single(Objects, o => o.Kind == kind && o.Name == name);

    private static KubeObject Deployment => Single("Deployment", "agent-operator");

    private static JsonObject Manager =>
        Assert.Single(Json.At(Deployment.Body, "spec.template.spec.containers")!.AsArray(), c => (string?)c!["name"] == "manager")!.AsObject();

    [Theory]
    [InlineData("Namespace", "agentoperator-system")]
    [InlineData("CustomResourceDefinition", "agentworkflows.agentoperator.io")]
    [InlineData("CustomResourceDefinition", "agenttools.agentoperator.io")]
    [InlineData("CustomResourceDefinition", "agentapprovals.agentoperator.io")]
    [InlineData("ServiceAccount", "agent-operator")]
    [InlineData("ClusterRole", "agent-operator-manager")]
    [InlineData("ClusterRoleBinding", "agent-operator-manager")]
    [InlineData("Role", "agent-operator-leader-election")]
    [InlineData("RoleBinding", "agent-operator-leader-election")]
    [InlineData("ClusterRole", "agentoperator-viewer")]
    [InlineData("ClusterRole", "agentoperator-editor")]
    [InlineData("ClusterRole", "agentoperator-approver")]
    [InlineData("Deployment", "agent-operator")]
    [InlineData("Service", "agent-operator-metrics")]
    [InlineData("PodDisruptionBudget", "agent-operator")]
    [InlineData("ValidatingAdmissionPolicy", "agentoperator-approval-requests")]
    [InlineData("ValidatingAdmissionPolicyBinding", "agentoperator-approval-requests")]
    [InlineData("ValidatingAdmissionPolicy", "agentoperator-approval-decisions")]
    [InlineData("ValidatingAdmissionPolicyBinding", "agentoperator-approval-decisions")]
    [InlineData("ServiceAccount", "agentoperator-audit-collector")]
    [InlineData("ClusterRole", "agentoperator-audit-collector")]
    [InlineData("ClusterRoleBinding", "agentoperator-audit-collector")]
    [InlineData("PersistentVolumeClaim", "agentoperator-audit-store")]
    [InlineData("Deployment", "agentoperator-audit-collector")]
    [InlineData("Service", "agentoperator-audit-collector")]
    public void Render_contains_each_install_object_exactly_once(string kind, string name) =>
        Single(kind, name);

    [Fact]
    public void Render_contains_nothing_unexpected()
    {
        var expected = new HashSet<string>(StringComparer.Ordinal)
        {
            "Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
            "RoleBinding", "Deployment", "Service", "PodDisruptionBudget", "PersistentVolumeClaim", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
        };
        Assert.All(Objects, o => Assert.Contains(o.Kind, expected));
    }

    [Fact]
    public void Every_namespaced_object_lands_in_the_operator_namespace()
    {
        var clusterScoped = new HashSet<string>(StringComparer.Ordinal)
        {
            "Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
        };
        Assert.All(Objects.Where(o => !clusterScoped.Contains(o.Kind)), o => Assert.Equal(OperatorNamespace, o.Namespace));
        Assert.All(Objects.Where(o => clusterScoped.Contains(o.Kind)), o => Assert.Null(o.Namespace));
    }

    [Fact]
    public void Bindings_grant_their_roles_to_the_operator_service_account_in_its_namespace()
    {
        foreach (var binding in new[] { Single("ClusterRoleBinding", "agent-operator-manager"), Single("RoleBinding", "agent-operator-leader-election") })
        {
            var subject = Assert.Single(binding.At("subjects")!.AsArray())!;
            Assert.Equal("ServiceAccount", (string?)subject["kind"]);
            Assert.Equal("agent-operator", (string?)subject["name"]);
            Assert.Equal(OperatorNamespace, (string?)subject["namespace"]);
            var roleKind = binding.Kind == "ClusterRoleBinding" ? "ClusterRole" : "Role";
            Assert.Equal(roleKind, (string?)binding.At("roleRef.kind"));
            Single(roleKind, (string)binding.At("roleRef.name")!);
        }

        Assert.Equal("agent-operator", (string?)Deployment.At("spec.template.spec.serviceAccountName"));
    }

    [Fact]
    public void Operator_namespace_enforces_restricted_pod_security()
    {
        var ns = Single("Namespace", OperatorNamespace);
        Assert.Equal("restricted", (string?)ns.At("metadata.labels")!["pod-security.kubernetes.io/enforce"]);
    }

    [Fact]
    public void Pod_security_context_is_restricted()
    {
        var pod = Deployment.At("spec.template.spec.securityContext")!;
        Assert.True((bool?)pod["runAsNonRoot"]);
        Assert.Equal(65532, (int?)pod["runAsUser"]);
        Assert.Equal("RuntimeDefault", (string?)pod["seccompProfile"]?["type"]);
    }

    [Fact]
    public void Manager_container_security_context_is_restricted()
    {
        var security = Manager["securityContext"]!;
        Assert.True((bool?)security["runAsNonRoot"]);
        Assert.Equal(65532, (int?)security["runAsUser"]);
        Assert.True((bool?)security["readOnlyRootFilesystem"]);
        Assert.False((bool?)security["allowPrivilegeEscalation"]);
        Assert.Equal(["ALL"], Json.Strings(security["capabilities"]?["drop"]));
        Assert.Null(security["capabilities"]?["add"]);
        Assert.Null(security["privileged"]);
        Assert.Equal("RuntimeDefault", (string?)security["seccompProfile"]?["type"]);
    }

    [Fact]
    public void Operator_mounts_its_own_service_account_token()
    {
        // The operator calls the API server with it; the agents' ServiceAccounts are the ones without a token.
        Assert.True((bool?)Deployment.At("spec.template.spec.automountServiceAccountToken"));
    }

    [Fact]
    public void Read_only_root_filesystem_gets_a_writable_tmp()
    {
        var mount = Assert.Single(Manager["volumeMounts"]!.AsArray(), m => (string?)m!["mountPath"] == "/tmp")!;
        var volume = Assert.Single(Deployment.At("spec.template.spec.volumes")!.AsArray(), v => (string?)v!["name"] == (string?)mount["name"])!;
        Assert.NotNull(volume["emptyDir"]);
    }

    [Theory]
    [InlineData("livenessProbe", "/healthz")]
    [InlineData("readinessProbe", "/readyz")]
    public void Probes_call_the_health_port(string probe, string path)
    {
        var httpGet = Manager[probe]?["httpGet"];
        Assert.NotNull(httpGet);
        Assert.Equal(path, (string?)httpGet["path"]);
        var port = (string?)httpGet["port"];
        var declared = Assert.Single(Manager["ports"]!.AsArray(), p => (string?)p!["name"] == port)!;
        Assert.Equal(8081, (int?)declared["containerPort"]);
        Assert.Contains("--health-port=8081", Json.Strings(Manager["args"]));
    }

    [Fact]
    public void Manager_requests_and_limits_cpu_and_memory()
    {
        foreach (var section in new[] { "requests", "limits" })
        {
            var resources = Manager["resources"]?[section];
            Assert.False(string.IsNullOrEmpty((string?)resources?["cpu"]), $"resources.{section}.cpu");
            Assert.False(string.IsNullOrEmpty((string?)resources?["memory"]), $"resources.{section}.memory");
        }
    }

    [Fact]
    public void Two_replicas_run_with_leader_election()
    {
        Assert.Equal(2, (int?)Deployment.At("spec.replicas"));
        Assert.Contains("--leader-elect", Json.Strings(Manager["args"]));
        Assert.Equal(1, (int?)Single("PodDisruptionBudget", "agent-operator").At("spec.minAvailable"));
    }

    [Fact]
    public void Image_is_a_pinned_tag_not_latest()
    {
        var image = (string)Manager["image"]!;
        Assert.StartsWith("ghcr.io/agentoperator/operator:", image, StringComparison.Ordinal);
        Assert.DoesNotContain(":latest", image, StringComparison.Ordinal);
    }

    [Fact]
    public void Services_select_the_operator_pods_and_target_declared_ports()
    {
        var podLabels = Deployment.At("spec.template.metadata.labels")!.AsObject();
        foreach (var service in Objects.Where(o => o.Kind == "Service" && o.Name != Collector))
        {
            foreach (var (key, value) in service.At("spec.selector")!.AsObject())
            {
                Assert.Equal((string?)value, (string?)podLabels[key]);
            }

            foreach (var port in service.At("spec.ports")!.AsArray())
            {
                var target = (string?)port!["targetPort"];
                Assert.Contains(Manager["ports"]!.AsArray(), p => (string?)p!["name"] == target);
            }
        }
    }

    [Fact]
    public void Manager_publishes_exactly_the_ports_its_flags_serve()
    {
        // Every declared container port is one the operator listens on (--metrics-port, --health-port): no
        // port, and no Service, that nothing serves (the approval API's 8443 was one).
        var args = Json.Strings(Manager["args"]);
        var declared = Manager["ports"]!.AsArray().Select(p => ((string?)p!["name"], (int?)p["containerPort"])).Order().ToList();
        Assert.Equal([("health", 8081), ("metrics", 8080)], declared);
        Assert.Contains("--metrics-port=8080", args);
        Assert.Contains("--health-port=8081", args);
        Assert.Equal(["agent-operator-metrics"], Objects.Where(o => o.Kind == "Service" && o.Name != Collector).Select(o => o.Name));
    }

    [Fact]
    public void Manager_logs_at_info_as_kubebuilder_manifests_do()
    {
        // The operator accepts zap's names (info, warn) as well as .NET's; OperatorCommandLineTests and the
        // published-operator test (Operator.Tests) start it with exactly these arguments.
        Assert.Contains("--log-level=info", Json.Strings(Manager["args"]));
    }

    [Fact]
    public void Deployment_selector_carries_no_install_wide_labels()
    {
        // A Deployment's selector is immutable: labels added by config/default must stay out of it.
        var selector = Deployment.At("spec.selector.matchLabels")!.AsObject();
        Assert.DoesNotContain("app.kubernetes.io/part-of", selector.Select(p => p.Key));
        Assert.Equal("agentoperator", (string?)Deployment.At("metadata.labels")!["app.kubernetes.io/part-of"]);
    }
}
