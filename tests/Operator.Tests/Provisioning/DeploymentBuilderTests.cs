using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using k8s.Models;
using static AgentOperator.Operator.Tests.Provisioning.ProvisioningFixtures;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed class DeploymentBuilderTests
{
    private static readonly ProvisioningOptions Options = new() { GatewayImage = "ghcr.io/agentoperator/gateway:1.2.3" };

    private static V1Deployment Build(RevisionInputs? inputs = null) => DeploymentBuilder.Build(inputs ?? Inputs(), Options);

    [Fact]
    public void Build_runs_exactly_the_agent_and_the_gateway()
    {
        var pod = Build().Spec.Template.Spec;

        Assert.Equal(["agent", "gateway"], pod.Containers.Select(c => c.Name));
        Assert.Null(pod.InitContainers);
        Assert.Equal("ghcr.io/agentoperator/gateway:1.2.3", Container(Build(), "gateway").Image);
    }

    [Fact]
    public void Build_uses_the_revision_service_account_without_automounting_its_token()
    {
        var pod = Build().Spec.Template.Spec;

        Assert.Equal(WorkflowName + "-" + Revision, pod.ServiceAccountName);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.False(pod.ShareProcessNamespace);
        Assert.Null(pod.HostNetwork);
        Assert.Null(pod.HostPID);
    }

    [Fact]
    public void Build_gives_the_agent_no_volume_but_its_tmp_and_no_secret_reference()
    {
        var deployment = Build();
        var agent = Container(deployment, "agent");
        var tmp = Assert.Single(agent.VolumeMounts);
        Assert.Equal("/tmp", tmp.MountPath);
        var volume = deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == tmp.Name);
        Assert.NotNull(volume.EmptyDir);
        Assert.All(agent.Env, e => Assert.Null(e.ValueFrom));
        Assert.Null(agent.EnvFrom);
        Assert.DoesNotContain(agent.Env, e => e.Name.Contains("TOKEN", StringComparison.OrdinalIgnoreCase) || e.Name.Contains("SECRET", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Build_mounts_every_token_and_secret_volume_into_the_gateway_only()
    {
        var deployment = Build();
        var volumes = deployment.Spec.Template.Spec.Volumes;
        var credentialVolumes = volumes.Where(v => v.Secret is not null || v.Projected is not null).Select(v => v.Name).ToList();
        Assert.NotEmpty(credentialVolumes);

        var gatewayMounts = Container(deployment, "gateway").VolumeMounts.Select(m => m.Name).ToList();
        var agentMounts = Container(deployment, "agent").VolumeMounts.Select(m => m.Name).ToList();
        Assert.All(credentialVolumes, name => Assert.Contains(name, gatewayMounts));
        Assert.All(credentialVolumes, name => Assert.DoesNotContain(name, agentMounts));
        Assert.All(Container(deployment, "gateway").VolumeMounts.Where(m => credentialVolumes.Contains(m.Name)), m => Assert.True(m.ReadOnlyProperty));
    }

    [Fact]
    public void Build_projects_an_api_token_with_the_declared_ttl_plus_ca_and_namespace()
    {
        var deployment = Build();
        var volume = deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == GatewayCredentials.KubeApiAccessVolume);
        var sources = volume.Projected.Sources;

        var token = Assert.Single(sources, s => s.ServiceAccountToken is not null).ServiceAccountToken;
        Assert.Equal(900, token.ExpirationSeconds);
        Assert.Null(token.Audience);
        Assert.Equal("token", token.Path);
        var ca = Assert.Single(sources, s => s.ConfigMap is not null).ConfigMap;
        Assert.Equal("kube-root-ca.crt", ca.Name);
        Assert.Equal("ca.crt", Assert.Single(ca.Items).Key);
        var ns = Assert.Single(Assert.Single(sources, s => s.DownwardAPI is not null).DownwardAPI.Items);
        Assert.Equal(("namespace", "metadata.namespace"), (ns.Path, ns.FieldRef.FieldPath));
        var mount = Container(deployment, "gateway").VolumeMounts.Single(m => m.Name == volume.Name);
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount", mount.MountPath);
    }

    [Fact]
    public void Build_projects_one_token_per_declared_audience_and_per_bound_token_tool()
    {
        var deployment = Build();
        var volume = deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == GatewayCredentials.TokensVolume);
        var tokens = volume.Projected.Sources.Select(s => s.ServiceAccountToken).ToList();

        Assert.Equal(
            [("agentoperator.io/gateway", 900L, "agentoperator.io-gateway/token"), ("crm.example.com", 900L, "crm.example.com/token"), ("payments.example.com", 1200L, "payments.example.com/token")],
            tokens.Select(t => (t.Audience, t.ExpirationSeconds!.Value, t.Path)));
        Assert.Equal("/var/run/agentoperator/tokens", Container(deployment, "gateway").VolumeMounts.Single(m => m.Name == volume.Name).MountPath);
    }

    [Fact]
    public void Build_mounts_tool_and_model_secrets_with_only_their_referenced_keys()
    {
        var deployment = Build();
        var secrets = deployment.Spec.Template.Spec.Volumes.Where(v => v.Secret is not null).ToList();
        var gatewayMounts = Container(deployment, "gateway").VolumeMounts;

        Assert.Equal(["crm-credentials", "openai-key"], secrets.Select(v => v.Secret.SecretName));
        Assert.Equal(["token"], secrets[0].Secret.Items.Select(i => i.Key));
        Assert.Equal(["api-key"], secrets[1].Secret.Items.Select(i => i.Key));
        Assert.All(secrets, v => Assert.Equal(Convert.ToInt32("440", 8), v.Secret.DefaultMode));
        Assert.Equal("/var/run/agentoperator/secrets/crm-credentials", gatewayMounts.Single(m => m.Name == secrets[0].Name).MountPath);
        Assert.Equal("/var/run/agentoperator/secrets/openai-key", gatewayMounts.Single(m => m.Name == secrets[1].Name).MountPath);
    }

    [Fact]
    public void Build_ignores_secrets_of_tools_the_workflow_does_not_bind()
    {
        var unbound = Tool("hr.fire_employee", 4, [ToolAction.Delete], new() { Url = "https://hr.example.com" }, new() { SecretRef = new() { Name = "hr-admin", Key = "token" } });

        var deployment = Build(Inputs(tools: [LookupOrder, IssueRefund, unbound]));

        Assert.DoesNotContain(deployment.Spec.Template.Spec.Volumes, v => v.Secret?.SecretName == "hr-admin");
    }

    [Fact]
    public void Build_applies_restricted_pod_security_to_the_pod_and_every_container()
    {
        var pod = Build().Spec.Template.Spec;

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal(65532, pod.SecurityContext.RunAsUser);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.All(pod.Containers, c =>
        {
            var context = c.SecurityContext;
            Assert.True(context.RunAsNonRoot);
            Assert.Equal(65532, context.RunAsUser);
            Assert.True(context.ReadOnlyRootFilesystem);
            Assert.False(context.AllowPrivilegeEscalation);
            Assert.False(context.Privileged);
            Assert.Equal(["ALL"], context.Capabilities.Drop);
            Assert.Null(context.Capabilities.Add);
            Assert.Equal("RuntimeDefault", context.SeccompProfile.Type);
        });
    }

    [Fact]
    public void Build_configures_the_agent_from_the_runtime_and_points_it_at_the_loopback_gateway()
    {
        var agent = Container(Build(), "agent");

        Assert.Equal(Spec.Runtime.Image, agent.Image);
        Assert.Equal(["--mode", "serve"], agent.Args);
        Assert.Null(agent.Command);
        Assert.Equal([("LOG_LEVEL", "info"), ("AGENT_GATEWAY_URL", "http://127.0.0.1:15080")], agent.Env.Select(e => (e.Name, e.Value)));
        var port = Assert.Single(agent.Ports);
        Assert.Equal(("http", 8080), (port.Name, port.ContainerPort));
        Assert.Equal("250m", agent.Resources.Requests["cpu"].ToString());
        Assert.Equal("512Mi", agent.Resources.Limits["memory"].ToString());
    }

    [Fact]
    public void Build_drops_a_user_variable_that_would_redirect_the_agent_away_from_its_gateway()
    {
        var spec = Spec with { Runtime = Spec.Runtime with { Env = [new() { Name = "AGENT_GATEWAY_URL", Value = "http://evil.example.com" }] } };

        var agent = Container(Build(Inputs(spec)), "agent");

        Assert.Equal("http://127.0.0.1:15080", Assert.Single(agent.Env).Value);
    }

    [Fact]
    public void Build_serves_the_bundle_configmap_and_exposes_only_the_metrics_port_of_the_gateway()
    {
        var gateway = Container(Build(), "gateway");

        Assert.Equal(
            ["serve", "--bundle-configmap", $"{Namespace}/{WorkflowName}-{Revision}", "--port", "15080", "--metrics-port", "15090", "--audit", "/var/run/agentoperator/audit/audit.jsonl"],
            gateway.Args);
        var port = Assert.Single(gateway.Ports);
        Assert.Equal(("metrics", 15090), (port.Name, port.ContainerPort));
        Assert.DoesNotContain(Build().Spec.Template.Spec.Containers.SelectMany(c => c.Ports ?? []), p => p.ContainerPort == 15080);
    }

    [Fact]
    public void Build_probes_the_gateway_healthz_on_the_metrics_port()
    {
        var gateway = Container(Build(), "gateway");

        foreach (var probe in new[] { gateway.ReadinessProbe, gateway.LivenessProbe })
        {
            Assert.Equal("/healthz", probe.HttpGet.Path);
            Assert.Equal("metrics", probe.HttpGet.Port.Value);
        }
    }

    [Fact]
    public void Build_gives_the_gateway_a_writable_audit_emptydir_the_agent_cannot_see()
    {
        var deployment = Build();
        var gateway = Container(deployment, "gateway");
        var audit = gateway.VolumeMounts.Single(m => m.MountPath == "/var/run/agentoperator/audit");

        Assert.NotEqual(true, audit.ReadOnlyProperty);
        Assert.NotNull(deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == audit.Name).EmptyDir);
        Assert.DoesNotContain(Container(deployment, "agent").VolumeMounts, m => m.Name == audit.Name);
    }

    [Fact]
    public void Build_takes_replicas_from_the_parameter_and_labels_pods_with_the_revision()
    {
        var deployment = Build(Inputs(replicas: 7));

        Assert.Equal(7, deployment.Spec.Replicas);
        Assert.Equal(Revision, deployment.Spec.Template.Metadata.Labels["agentoperator.io/revision"]);
        Assert.Equal(WorkflowName, deployment.Spec.Template.Metadata.Labels["agentoperator.io/workflow"]);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels.Where(l => deployment.Spec.Selector.MatchLabels.ContainsKey(l.Key)).ToDictionary());
    }

    [Fact]
    public void Build_annotates_the_bundle_hash_on_the_deployment_but_not_on_the_pod_template()
    {
        var deployment = Build();

        Assert.Equal(BundleConfigMapBuilder.BundleSha256(BundleJson), deployment.Metadata.Annotations["agentoperator.io/bundle-sha256"]);
        // A kill switch changes the bundle, not the revision: it must not restart the pods.
        Assert.False(deployment.Spec.Template.Metadata.Annotations.ContainsKey("agentoperator.io/bundle-sha256"));
    }

    [Fact]
    public void Build_passes_the_otlp_endpoint_to_the_gateway_only()
    {
        var spec = Spec with { Observability = new() { OtlpEndpoint = "http://otel-collector.observability:4317" } };

        var deployment = Build(Inputs(spec));

        Assert.Contains(Container(deployment, "gateway").Env, e => e is { Name: "OTEL_EXPORTER_OTLP_ENDPOINT", Value: "http://otel-collector.observability:4317" });
        Assert.DoesNotContain(Container(deployment, "agent").Env, e => e.Name.StartsWith("OTEL_", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_clamps_a_token_ttl_below_the_kubelet_minimum()
    {
        var spec = Spec with { Credentials = new() { TokenTtlSeconds = 60, Audiences = ["a"] } };

        var volume = Build(Inputs(spec)).Spec.Template.Spec.Volumes.Single(v => v.Name == GatewayCredentials.KubeApiAccessVolume);

        Assert.Equal(600, volume.Projected.Sources[0].ServiceAccountToken.ExpirationSeconds);
    }

    [Fact]
    public void Build_twice_gives_equal_objects()
    {
        var first = k8s.KubernetesJson.Serialize(Build());
        var second = k8s.KubernetesJson.Serialize(Build());

        Assert.Equal(first, second);
    }
}
