using AgentOperator.Contracts;
using AgentOperator.Gateway.Cli;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Contracts;

/// <summary>
/// The gateway container the operator generates for every example workflow, fed verbatim to the gateway's own
/// <c>serve</c> parsing (<see cref="GatewayServeArguments.Parse"/> and <see cref="ServeCommand.Options"/>, what
/// <c>dotnet AgentOperator.Gateway.dll serve …</c> runs): it parses, and names what the pod really has.
/// </summary>
public sealed class GatewayContainerContractTests
{
    private static readonly ProvisioningOptions Provisioning = new();

    public static TheoryData<string> ExampleWorkflows()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(DevModeExamples.Repository.ExamplesDirectory, "*.yaml").Where(f => File.ReadAllText(f).Contains("kind: AgentWorkflow", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    /// <summary>The revision's children from the operator's real builders, as the reconciler builds them.</summary>
    internal static (RevisionInputs Inputs, RevisionChildren Children) Build(string file, ProvisioningOptions options, string uid = "0b6f0c52-3f43-4c2e-9d8e-1a2b3c4d5e6f")
    {
        var workflow = DevModeExamples.Workflow(file);
        workflow.Metadata.Uid = uid;
        var tools = DevModeExamples.Tools().Where(t => t.Metadata.NamespaceProperty == workflow.Metadata.NamespaceProperty).ToList();
        var compiled = PolicyBundleCompiler.Compile(workflow, tools);
        Assert.True(compiled.Succeeded, string.Join("; ", compiled.Errors));
        var inputs = new RevisionInputs(workflow, compiled.Bundle.Revision, PolicyBundleJson.Serialize(compiled.Bundle), tools, workflow.Spec.Runtime.Replicas);
        return (inputs, RevisionChildrenBuilder.Build(inputs, options));
    }

    /// <summary>The container's environment as the kubelet resolves it for a pod named <paramref name="podName"/>: values, and fieldRefs to the pod's namespace and name.</summary>
    internal static Dictionary<string, string> KubeletEnvironment(V1Container container, string @namespace, string podName) =>
        (container.Env ?? []).ToDictionary(e => e.Name, e => e.ValueFrom?.FieldRef?.FieldPath switch
        {
            null when e.ValueFrom is null => e.Value ?? "",
            "metadata.namespace" => @namespace,
            "metadata.name" => podName,
            var other => throw new InvalidOperationException($"env {e.Name} takes {other ?? "a source"} the test does not resolve"),
        }, StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(ExampleWorkflows))]
    public void Gateway_container_of_each_example_parses_with_the_gateways_serve(string file)
    {
        var (inputs, children) = Build(file, Provisioning);
        var pod = children.Deployment.Spec.Template.Spec;
        var gateway = pod.Containers.Single(c => c.Name == GatewayPodLayout.GatewayContainer);

        var arguments = GatewayServeArguments.Parse([.. gateway.Args]);
        var environment = KubeletEnvironment(gateway, inputs.Namespace, "pod-0");
        var options = ServeCommand.Options(arguments, environment.GetValueOrDefault);

        // The bundle: the ConfigMap the operator writes, under the key the gateway reads, holding this revision's bundle.
        Assert.Null(options.BundlePath);
        Assert.Equal(new ConfigMapReference(inputs.Namespace, children.BundleConfigMap.Metadata.Name), options.BundleConfigMap);
        Assert.Equal(children.BundleConfigMap.Metadata.NamespaceProperty, options.BundleConfigMap!.Namespace);
        Assert.Equal(inputs.Revision, PolicyBundleJson.Deserialize(children.BundleConfigMap.Data[options.BundleConfigMap.Key]).Revision);

        // The ports: the agent's gateway URL and the declared metrics port (probes, Services, scrapes).
        Assert.Equal(Provisioning.GatewayApiPort, options.AgentPort);
        var agent = pod.Containers.Single(c => c.Name == GatewayPodLayout.AgentContainer);
        Assert.Contains(agent.Env, e => e.Name == GatewayPodLayout.AgentGatewayUrlEnv && e.Value == $"http://127.0.0.1:{options.AgentPort}");
        Assert.Equal(options.MetricsPort, gateway.Ports.Single(p => p.Name == GatewayPodLayout.MetricsPortName).ContainerPort);
        Assert.Equal(GatewayPodLayout.HealthPath, gateway.ReadinessProbe.HttpGet.Path);

        // The files: the audit log, Secrets and tokens where the container mounts volumes; approvals in the pod's namespace.
        var mounts = gateway.VolumeMounts.Select(m => m.MountPath).ToList();
        Assert.Equal(GatewayPodLayout.AuditFile, options.AuditPath);
        Assert.Contains(Path.GetDirectoryName(options.AuditPath), mounts);
        Assert.Equal(GatewayPodLayout.SecretsDirectory, options.SecretsRoot);
        Assert.Equal(GatewayPodLayout.TokensDirectory, options.TokensRoot);
        Assert.Contains(GatewayPodLayout.KubeApiAccessDirectory, mounts);
        Assert.All(mounts.Where(m => m.StartsWith("/var/run/agentoperator/", StringComparison.Ordinal) && m != GatewayPodLayout.AuditDirectory),
            m => Assert.True(m.StartsWith(options.SecretsRoot + "/", StringComparison.Ordinal) || m.StartsWith(options.TokensRoot, StringComparison.Ordinal), m));
        Assert.Equal(inputs.Namespace, options.Namespace);
        Assert.Equal(inputs.WorkflowName, environment[GatewayEnvironment.Workflow]);
        Assert.Equal(inputs.Revision, environment[GatewayEnvironment.Revision]);
    }

    [Theory]
    [MemberData(nameof(ExampleWorkflows))]
    public void Gateway_of_each_example_ships_its_audit_to_the_operators_collector_with_a_token_for_its_audience(string file)
    {
        var collector = new Uri("http://agentoperator-audit-collector.agentoperator-system.svc:8080");
        var (inputs, children) = Build(file, Provisioning with { AuditCollector = collector });
        var pod = children.Deployment.Spec.Template.Spec;
        var gateway = pod.Containers.Single(c => c.Name == GatewayPodLayout.GatewayContainer);

        var options = ServeCommand.Options(GatewayServeArguments.Parse([.. gateway.Args]), KubeletEnvironment(gateway, inputs.Namespace, "pod-0").GetValueOrDefault);

        Assert.Equal(collector, options.AuditCollector);
        Assert.Equal(GatewayPodLayout.AuditTokenFile, options.AuditTokenPath);
        // The token file is a projected token for the collector's audience, mounted read-only into the gateway alone.
        var mount = Assert.Single(gateway.VolumeMounts, m => m.MountPath == Path.GetDirectoryName(options.AuditTokenPath));
        Assert.True(mount.ReadOnlyProperty);
        var source = Assert.Single(pod.Volumes.Single(v => v.Name == mount.Name).Projected.Sources).ServiceAccountToken;
        Assert.Equal(AuditCollectorApi.Audience, source.Audience);
        Assert.Equal(Path.GetFileName(options.AuditTokenPath), source.Path);
        Assert.All(pod.Containers.Where(c => c.Name != GatewayPodLayout.GatewayContainer), c => Assert.DoesNotContain(c.VolumeMounts ?? [], m => m.Name == mount.Name));
        // The gateway may reach the collector's namespace, and the agent still only its gateway.
        Assert.Contains(children.NetworkPolicy.Spec.Egress, r => r.To.Any(p => p.NamespaceSelector?.MatchLabels is { } labels && labels.TryGetValue("kubernetes.io/metadata.name", out var ns) && ns == "agentoperator-system"));
    }

    [Theory]
    [MemberData(nameof(ExampleWorkflows))]
    public void Gateway_without_a_collector_keeps_its_audit_in_the_pod_and_gets_no_collector_token(string file)
    {
        var (inputs, children) = Build(file, Provisioning);
        var gateway = children.Deployment.Spec.Template.Spec.Containers.Single(c => c.Name == GatewayPodLayout.GatewayContainer);

        var options = ServeCommand.Options(GatewayServeArguments.Parse([.. gateway.Args]), KubeletEnvironment(gateway, inputs.Namespace, "pod-0").GetValueOrDefault);

        Assert.Null(options.AuditCollector);
        Assert.DoesNotContain(gateway.VolumeMounts, m => m.MountPath == Path.GetDirectoryName(GatewayPodLayout.AuditTokenFile));
        Assert.DoesNotContain(children.Deployment.Spec.Template.Spec.Volumes, v => v.Projected?.Sources?.Any(s => s.ServiceAccountToken?.Audience == AuditCollectorApi.Audience) == true);
    }

    [Theory]
    [MemberData(nameof(ExampleWorkflows))]
    public void Gateway_of_each_example_flushes_its_audit_buffer_in_a_preStop_hook_within_the_grace_period(string file)
    {
        var (inputs, children) = Build(file, Provisioning with { AuditCollector = new Uri("http://agentoperator-audit-collector.agentoperator-system.svc:8080") });
        var pod = children.Deployment.Spec.Template.Spec;
        var gateway = pod.Containers.Single(c => c.Name == GatewayPodLayout.GatewayContainer);
        var serving = ServeCommand.Options(GatewayServeArguments.Parse([.. gateway.Args]), KubeletEnvironment(gateway, inputs.Namespace, "pod-0").GetValueOrDefault);

        // An exec of the image's own entrypoint (the kubelet runs a hook's command as given), with the gateway's flush
        // command pointed at the port this gateway serves on.
        var command = gateway.Lifecycle.PreStop.Exec.Command;
        Assert.Null(gateway.Lifecycle.PreStop.HttpGet);
        Assert.Equal(GatewayPodLayout.GatewayEntrypoint, command.Take(GatewayPodLayout.GatewayEntrypoint.Count));
        Assert.Equal(serving.AgentPort, GatewayFlushArguments.Parse([.. command.Skip(GatewayPodLayout.GatewayEntrypoint.Count)]).Port);
        Assert.Null(gateway.Lifecycle.PostStart);
        // The flush's wait and the SIGTERM drain fit in the grace period the pod gives.
        Assert.Equal(GatewayShutdown.TerminationGracePeriodSeconds, pod.TerminationGracePeriodSeconds);
        Assert.True(GatewayShutdown.PreStopFlushTimeout + GatewayShutdown.DrainTimeout < TimeSpan.FromSeconds(pod.TerminationGracePeriodSeconds!.Value - 2));
        // Still restricted: no privilege, a read-only root; the hook writes nothing.
        Assert.True(gateway.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(gateway.SecurityContext.AllowPrivilegeEscalation);
    }

    [Theory]
    [MemberData(nameof(ExampleWorkflows))]
    public void Gateway_without_a_collector_has_no_preStop_hook(string file)
    {
        var (_, children) = Build(file, Provisioning);
        var gateway = children.Deployment.Spec.Template.Spec.Containers.Single(c => c.Name == GatewayPodLayout.GatewayContainer);

        Assert.Null(gateway.Lifecycle);
    }

    [Fact]
    public void Examples_are_found() => Assert.True(ExampleWorkflows().Count >= 2);
}
