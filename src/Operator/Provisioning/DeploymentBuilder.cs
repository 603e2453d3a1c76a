using System.Globalization;
using AgentOperator.Contracts;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// The revision's Deployment: the agent container, which gets only the gateway's loopback URL, and the
/// gateway sidecar, which alone holds the token, the tool Secrets and the audit log.
/// </summary>
public static class DeploymentBuilder
{
    private const string AuditVolume = "gateway-audit";
    private const string AuditTokenVolume = "gateway-audit-token";
    private const string GatewayTmpVolume = "gateway-tmp";
    private const string AgentTmpVolume = "agent-tmp";

    /// <summary>The Deployment.</summary>
    public static V1Deployment Build(RevisionInputs inputs, ProvisioningOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputs.Replicas);
        var spec = inputs.Workflow.Spec;
        var podLabels = ChildLabels.ForRevision(inputs.WorkflowName, inputs.Revision);
        podLabels[ChildLabels.Component] = "agent";

        return new()
        {
            ApiVersion = "apps/v1",
            Kind = V1Deployment.KubeKind,
            // The bundle hash is on the Deployment, not on the pod template: a bundle change that keeps the
            // revision (the kill switch) reaches the gateways through their watch, without restarting pods.
            Metadata = ChildMetadata.ForRevision(inputs, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [ChildLabels.BundleSha256Annotation] = BundleConfigMapBuilder.BundleSha256(inputs.BundleJson),
            }),
            Spec = new()
            {
                Replicas = inputs.Replicas,
                Selector = new() { MatchLabels = ChildLabels.RevisionSelector(inputs.WorkflowName, inputs.Revision) },
                RevisionHistoryLimit = 2,
                ProgressDeadlineSeconds = spec.Rollout?.ProgressDeadlineSeconds ?? 600,
                Template = new()
                {
                    Metadata = new()
                    {
                        Labels = podLabels,
                        Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [ChildLabels.RevisionAnnotation] = inputs.Revision },
                    },
                    Spec = PodSpec(inputs, options),
                },
            },
        };
    }

    private static V1PodSpec PodSpec(RevisionInputs inputs, ProvisioningOptions options)
    {
        List<V1Volume> volumes =
        [
            .. GatewayVolumes(inputs, options),
            new() { Name = AgentTmpVolume, EmptyDir = new() { SizeLimit = new ResourceQuantity("256Mi") } },
        ];

        return new()
        {
            ServiceAccountName = ChildNames.RevisionObject(inputs.WorkflowName, inputs.Revision),
            // The token goes only into the gateway, through its own projected volume.
            AutomountServiceAccountToken = false,
            // A shared PID namespace would let the agent read the gateway's files through /proc/<pid>/root.
            ShareProcessNamespace = false,
            // Service environment variables would only tell the agent about the cluster.
            EnableServiceLinks = false,
            SecurityContext = RestrictedSecurity.Pod(),
            // The preStop flush and the SIGTERM drain of the gateway's audit buffer fit in it (GatewayShutdown).
            TerminationGracePeriodSeconds = GatewayShutdown.TerminationGracePeriodSeconds,
            Containers = [AgentContainer(inputs, options), GatewayContainer(inputs, options)],
            Volumes = volumes,
        };
    }

    /// <summary>The volumes the gateway container mounts: its credentials, the audit log and its /tmp.</summary>
    internal static IEnumerable<V1Volume> GatewayVolumes(RevisionInputs inputs, ProvisioningOptions options) =>
    [
        .. GatewayCredentials.Volumes(inputs),
        new() { Name = AuditVolume, EmptyDir = new() { SizeLimit = new ResourceQuantity("1Gi") } },
        new() { Name = GatewayTmpVolume, EmptyDir = new() { SizeLimit = new ResourceQuantity("64Mi") } },
        // The gateway's identity towards the audit collector: a token only the collector accepts, rotated by the kubelet.
        .. options.AuditCollector is null ? [] : new[]
        {
            new V1Volume
            {
                Name = AuditTokenVolume,
                Projected = new()
                {
                    Sources = [new() { ServiceAccountToken = new() { Audience = AuditCollectorApi.Audience, ExpirationSeconds = GatewayCredentials.TokenSeconds(inputs), Path = Path.GetFileName(GatewayPodLayout.AuditTokenFile) } }],
                },
            },
        },
    ];

    /// <summary>
    /// The agent container's environment: the runtime's variables, then the gateway's loopback URL (with
    /// <paramref name="reserved"/>, operator-set variables that replace user variables of the same name).
    /// </summary>
    internal static List<V1EnvVar> AgentEnvironment(RevisionInputs inputs, ProvisioningOptions options, params IReadOnlyList<V1EnvVar> reserved)
    {
        var gatewayUrl = $"http://127.0.0.1:{options.GatewayApiPort.ToString(CultureInfo.InvariantCulture)}";
        List<V1EnvVar> operatorSet = [.. reserved, new() { Name = GatewayPodLayout.AgentGatewayUrlEnv, Value = gatewayUrl }];
        return
        [
            // The gateway's URL is the operator's to set: a user variable of the same name is dropped.
            .. (inputs.Workflow.Spec.Runtime.Env ?? []).Where(e => operatorSet.All(o => o.Name != e.Name)).Select(e => new V1EnvVar { Name = e.Name, Value = e.Value }),
            .. operatorSet,
        ];
    }

    private static V1Container AgentContainer(RevisionInputs inputs, ProvisioningOptions options)
    {
        var runtime = inputs.Workflow.Spec.Runtime;
        return new()
        {
            Name = GatewayPodLayout.AgentContainer,
            Image = runtime.Image,
            Command = runtime.Command?.ToList(),
            Args = runtime.Args?.ToList(),
            Env = AgentEnvironment(inputs, options),
            Ports = [new() { Name = GatewayPodLayout.AgentPortName, ContainerPort = runtime.Port, Protocol = "TCP" }],
            Resources = Resources(runtime.Resources?.Requests, runtime.Resources?.Limits),
            SecurityContext = RestrictedSecurity.Container(),
            VolumeMounts = [new() { Name = AgentTmpVolume, MountPath = "/tmp" }],
        };
    }

    /// <summary>The gateway sidecar: the revision's bundle, token and tool Secrets; the agent API on loopback only.</summary>
    internal static V1Container GatewayContainer(RevisionInputs inputs, ProvisioningOptions options)
    {
        var arguments = new GatewayServeArguments
        {
            BundleConfigMap = new ConfigMapReference(inputs.Namespace, ChildNames.RevisionObject(inputs.WorkflowName, inputs.Revision)),
            Port = options.GatewayApiPort,
            MetricsPort = options.GatewayMetricsPort,
            AuditFile = GatewayPodLayout.AuditFile,
            AuditCollector = options.AuditCollector,
            AuditTokenFile = options.AuditCollector is null ? null : GatewayPodLayout.AuditTokenFile,
        };
        List<V1EnvVar> env =
        [
            new() { Name = GatewayEnvironment.Workflow, Value = inputs.WorkflowName },
            new() { Name = GatewayEnvironment.Revision, Value = inputs.Revision },
            new() { Name = GatewayEnvironment.Namespace, ValueFrom = new() { FieldRef = new() { ApiVersion = "v1", FieldPath = "metadata.namespace" } } },
            new() { Name = GatewayEnvironment.PodName, ValueFrom = new() { FieldRef = new() { ApiVersion = "v1", FieldPath = "metadata.name" } } },
            new() { Name = GatewayEnvironment.SecretsDirectory, Value = GatewayPodLayout.SecretsDirectory },
            new() { Name = GatewayEnvironment.TokensDirectory, Value = GatewayPodLayout.TokensDirectory },
            // The diagnostics IPC socket would need a writable /tmp and is an unauthenticated control channel.
            new() { Name = GatewayEnvironment.DotnetEnableDiagnostics, Value = "0" },
        ];
        if (inputs.Workflow.Spec.Observability?.OtlpEndpoint is { Length: > 0 } otlp)
        {
            env.Add(new() { Name = GatewayEnvironment.OtlpEndpoint, Value = otlp });
        }

        var health = new V1HTTPGetAction { Path = GatewayPodLayout.HealthPath, Port = GatewayPodLayout.MetricsPortName };
        return new()
        {
            Name = GatewayPodLayout.GatewayContainer,
            Image = options.GatewayImage,
            // The gateway parses these with the same type (GatewayServeArguments.Parse); secrets and tokens come from the env.
            Args = [.. arguments.Render()],
            Env = env,
            // Only the metrics port is declared: the agent API listens on 127.0.0.1 and no Service may target it.
            Ports = [new() { Name = GatewayPodLayout.MetricsPortName, ContainerPort = options.GatewayMetricsPort, Protocol = "TCP" }],
            Resources = Resources(options.GatewayRequests, options.GatewayLimits),
            ReadinessProbe = new() { HttpGet = health, PeriodSeconds = 5, FailureThreshold = 3 },
            LivenessProbe = new() { HttpGet = health, PeriodSeconds = 10, FailureThreshold = 6 },
            Lifecycle = PreStopFlush(options),
            SecurityContext = RestrictedSecurity.Container(),
            VolumeMounts =
            [
                .. GatewayCredentials.Mounts(inputs),
                new() { Name = AuditVolume, MountPath = GatewayPodLayout.AuditDirectory },
                new() { Name = GatewayTmpVolume, MountPath = "/tmp" },
                .. options.AuditCollector is null ? [] : new[] { new V1VolumeMount { Name = AuditTokenVolume, MountPath = Path.GetDirectoryName(GatewayPodLayout.AuditTokenFile)!, ReadOnlyProperty = true } },
            ],
        };
    }

    /// <summary>
    /// With a collector, the gateway ships its audit buffer before it is stopped: an exec of its own <c>flush</c> command,
    /// which reaches the gateway's loopback listener from inside the container (an httpGet hook would come from the node
    /// to the pod IP, where only the metrics port listens) and needs no writable file system or extra privilege.
    /// </summary>
    private static V1Lifecycle? PreStopFlush(ProvisioningOptions options) => options.AuditCollector is null ? null : new()
    {
        PreStop = new() { Exec = new() { Command = [.. new GatewayFlushArguments { Port = options.GatewayApiPort }.PreStopCommand()] } },
    };

    /// <summary>Requests and limits in canonical form; null when neither is set.</summary>
    internal static V1ResourceRequirements? Resources(IReadOnlyDictionary<string, string>? requests, IReadOnlyDictionary<string, string>? limits)
    {
        if (requests is not { Count: > 0 } && limits is not { Count: > 0 })
        {
            return null;
        }

        // The API server stores quantities in canonical form; build them that way so a comparison sees no change.
        static Dictionary<string, ResourceQuantity>? Quantities(IReadOnlyDictionary<string, string>? values) =>
            values is not { Count: > 0 } ? null : values.ToDictionary(
                pair => pair.Key,
                pair => new ResourceQuantity(new ResourceQuantity(pair.Value).CanonicalizeString()),
                StringComparer.Ordinal);

        return new() { Requests = Quantities(requests), Limits = Quantities(limits) };
    }
}
