using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using k8s.Models;

namespace AgentOperator.Operator.Evaluation;

/// <summary>
/// The pre-traffic eval Job of a canary revision. Its pod evaluates the canary itself: the eval container
/// calls the canary revision's own gateway on loopback, which runs as a native sidecar (an init container
/// with <c>restartPolicy: Always</c>, Kubernetes 1.29+) with the canary's ServiceAccount, bundle, projected
/// token and tool Secrets, exactly as in the canary's Deployment. The Job completes when the eval container
/// exits; its pass ratio is the eval container's termination message (<see cref="EvaluationResult"/>).
/// </summary>
internal static class EvaluationJobBuilder
{
    /// <summary>Name of the eval container.</summary>
    public const string EvalContainer = "eval";

    /// <summary>Value of the <c>app.kubernetes.io/component</c> label of the Job and its pod.</summary>
    public const string Component = "evaluation";

    /// <summary>Env var of the eval container with the workflow's name.</summary>
    public const string WorkflowEnv = "AGENT_WORKFLOW";

    /// <summary>Env var of the eval container with the revision id it evaluates.</summary>
    public const string RevisionEnv = "AGENT_REVISION";

    /// <summary>Where the kubelet reads the termination message (the Kubernetes default).</summary>
    public const string TerminationMessagePath = "/dev/termination-log";

    private const string EvalTmpVolume = "eval-tmp";

    /// <summary>The eval Job of the canary described by <paramref name="canary"/> (its spec.rollout.evaluation).</summary>
    /// <exception cref="ArgumentException">the workflow declares no evaluation, or the inputs cannot be provisioned.</exception>
    public static V1Job Build(RevisionInputs canary, ProvisioningOptions options)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(options);
        var evaluation = canary.Workflow.Spec.Rollout?.Evaluation
            ?? throw new ArgumentException("the workflow declares no spec.rollout.evaluation", nameof(canary));
        var problems = RevisionChildrenBuilder.Validate(canary, options);
        if (problems.Count > 0)
        {
            throw new ArgumentException("cannot build the eval Job: " + string.Join("; ", problems), nameof(canary));
        }

        var metadata = ChildMetadata.ForRevision(canary);
        metadata.Name = ChildNames.EvaluationJob(canary.WorkflowName, canary.Revision);
        metadata.Labels[ChildLabels.Component] = Component;

        // The pod carries the revision's labels, so the revision's NetworkPolicy confines it like the canary's
        // pods, and the workflow Service's metrics port lets Prometheus scrape its gateway's eval runs. The
        // Services' agent port finds no "http" port on it, so it never receives agent traffic.
        var podLabels = ChildLabels.ForRevision(canary.WorkflowName, canary.Revision);
        podLabels[ChildLabels.Component] = Component;

        return new()
        {
            ApiVersion = "batch/v1",
            Kind = V1Job.KubeKind,
            Metadata = metadata,
            Spec = new()
            {
                Completions = 1,
                Parallelism = 1,
                // One attempt: a failed eval is a verdict, not a flake to retry.
                BackoffLimit = 0,
                ActiveDeadlineSeconds = evaluation.TimeoutSeconds,
                // No ttlSecondsAfterFinished: the operator reads the verdict, then deletes the Job itself.
                Template = new()
                {
                    Metadata = new()
                    {
                        Labels = podLabels,
                        Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [ChildLabels.RevisionAnnotation] = canary.Revision },
                    },
                    Spec = PodSpec(canary, evaluation, options),
                },
            },
        };
    }

    private static V1PodSpec PodSpec(RevisionInputs canary, EvaluationSpec evaluation, ProvisioningOptions options)
    {
        var gateway = DeploymentBuilder.GatewayContainer(canary, options);
        // A native sidecar: started before the eval container and stopped once it has exited.
        gateway.RestartPolicy = "Always";
        // The kubelet starts the eval container only after this probe passes, so its first call finds the gateway serving.
        gateway.StartupProbe = new()
        {
            HttpGet = new() { Path = GatewayPodLayout.HealthPath, Port = GatewayPodLayout.MetricsPortName },
            PeriodSeconds = 1,
            FailureThreshold = 120,
        };

        return new()
        {
            RestartPolicy = "Never",
            ServiceAccountName = ChildNames.RevisionObject(canary.WorkflowName, canary.Revision),
            // As in the canary's Deployment: the token goes only into the gateway, the eval container holds no credential.
            AutomountServiceAccountToken = false,
            ShareProcessNamespace = false,
            EnableServiceLinks = false,
            SecurityContext = RestrictedSecurity.Pod(),
            InitContainers = [gateway],
            Containers = [EvalContainerSpec(canary, evaluation, options)],
            Volumes =
            [
                .. DeploymentBuilder.GatewayVolumes(canary, options),
                new() { Name = EvalTmpVolume, EmptyDir = new() { SizeLimit = new ResourceQuantity("256Mi") } },
            ],
        };
    }

    private static V1Container EvalContainerSpec(RevisionInputs canary, EvaluationSpec evaluation, ProvisioningOptions options)
    {
        var runtime = canary.Workflow.Spec.Runtime;
        return new()
        {
            Name = EvalContainer,
            Image = evaluation.Image,
            Command = evaluation.Command?.ToList(),
            Args = evaluation.Args?.ToList(),
            Env = DeploymentBuilder.AgentEnvironment(
                canary,
                options,
                new V1EnvVar { Name = WorkflowEnv, Value = canary.WorkflowName },
                new V1EnvVar { Name = RevisionEnv, Value = canary.Revision }),
            // The eval suite drives the agent's workload, so it gets the agent's resources.
            Resources = DeploymentBuilder.Resources(runtime.Resources?.Requests, runtime.Resources?.Limits),
            TerminationMessagePath = TerminationMessagePath,
            TerminationMessagePolicy = "File",
            SecurityContext = RestrictedSecurity.Container(),
            VolumeMounts = [new() { Name = EvalTmpVolume, MountPath = "/tmp" }],
        };
    }
}
