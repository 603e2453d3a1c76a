using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Evaluation;
using AgentOperator.Operator.Provisioning;
using k8s.Models;
using static AgentOperator.Operator.Tests.Provisioning.ProvisioningFixtures;

namespace AgentOperator.Operator.Tests.Evaluation;

public sealed class EvaluationJobBuilderTests
{
    private static readonly ProvisioningOptions Options = new() { GatewayImage = "ghcr.io/agentoperator/gateway:1.2.3" };

    private static readonly EvaluationSpec Evaluation = new()
    {
        Image = "ghcr.io/example/refund-evals:2.0",
        Command = ["/evals"],
        Args = ["eval", "--suite=refunds", "--cases=50"],
        MinPassRate = 0.9,
        TimeoutSeconds = 420,
    };

    private static RevisionInputs Canary(string name = WorkflowName, string revision = Revision) =>
        Inputs(Spec with { Rollout = new() { Evaluation = Evaluation } }, name: name, revision: revision);

    private static V1Job Build(RevisionInputs? canary = null) => EvaluationJobBuilder.Build(canary ?? Canary(), Options);

    private static V1Container Eval(V1Job job) => job.Spec.Template.Spec.Containers.Single();

    private static V1Container Sidecar(V1Job job) => job.Spec.Template.Spec.InitContainers.Single();

    [Fact]
    public void Build_NamesTheJobAfterTheCanaryRevision_Deterministically()
    {
        Assert.Equal($"{WorkflowName}-{Revision}-eval", Build().Metadata.Name);
        Assert.Equal(Build().Metadata.Name, Build().Metadata.Name);
    }

    [Fact]
    public void Build_LongWorkflowName_NameFitsInALabelValue()
    {
        var name = new string('w', 60);
        var job = Build(Canary(name: name));

        Assert.True(job.Metadata.Name.Length <= 63, job.Metadata.Name);
        Assert.NotEqual(Build(Canary(name: name, revision: "0123456789")).Metadata.Name, job.Metadata.Name);
    }

    [Fact]
    public void Build_OwnedByTheWorkflowAndLabelledWithTheRevision()
    {
        var job = Build();

        var owner = Assert.Single(job.Metadata.OwnerReferences);
        Assert.Equal((AgentWorkflow.KubeKind, WorkflowName, Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.Equal(Namespace, job.Metadata.NamespaceProperty);
        Assert.Equal(Revision, job.Metadata.Labels[ChildLabels.Revision]);
        Assert.Equal(WorkflowName, job.Metadata.Labels[ChildLabels.Workflow]);
        Assert.Equal("evaluation", job.Metadata.Labels[ChildLabels.Component]);
        Assert.Equal(Revision, job.Metadata.Annotations[ChildLabels.RevisionAnnotation]);
        Assert.Equal(Revision, job.Spec.Template.Metadata.Labels[ChildLabels.Revision]);
    }

    [Fact]
    public void Build_RunsOnceWithinTheEvaluationTimeout_AndIsNotCollectedByTtl()
    {
        var job = Build();

        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Equal(420, job.Spec.ActiveDeadlineSeconds);
        Assert.Null(job.Spec.TtlSecondsAfterFinished);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
    }

    [Fact]
    public void Build_EvalContainer_RunsTheEvaluationImageWithTheCanaryEnvironment()
    {
        var eval = Eval(Build());

        Assert.Equal(("eval", "ghcr.io/example/refund-evals:2.0"), (eval.Name, eval.Image));
        Assert.Equal(["/evals"], eval.Command);
        Assert.Equal(["eval", "--suite=refunds", "--cases=50"], eval.Args);
        var env = eval.Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("info", env["LOG_LEVEL"]);
        Assert.Equal(WorkflowName, env["AGENT_WORKFLOW"]);
        Assert.Equal(Revision, env["AGENT_REVISION"]);
        Assert.Equal("http://127.0.0.1:15080", env["AGENT_GATEWAY_URL"]);
        Assert.Equal(("/dev/termination-log", "File"), (eval.TerminationMessagePath, eval.TerminationMessagePolicy));
    }

    [Fact]
    public void Build_UserVariablesNamedLikeTheOperatorsAreReplaced()
    {
        var spec = Spec with
        {
            Runtime = Spec.Runtime with { Env = [new() { Name = "AGENT_REVISION", Value = "forged" }, new() { Name = "AGENT_GATEWAY_URL", Value = "http://evil" }] },
            Rollout = new() { Evaluation = Evaluation },
        };

        var env = Eval(Build(Inputs(spec))).Env;

        Assert.Equal([Revision], env.Where(e => e.Name == "AGENT_REVISION").Select(e => e.Value));
        Assert.Equal(["http://127.0.0.1:15080"], env.Where(e => e.Name == "AGENT_GATEWAY_URL").Select(e => e.Value));
    }

    [Fact]
    public void Build_GatewayIsANativeSidecarIdenticalToTheCanaryDeployments()
    {
        var job = Build();
        var deployment = DeploymentBuilder.Build(Canary(), Options);
        var deployed = Container(deployment, "gateway");
        var sidecar = Sidecar(job);

        Assert.Equal("Always", sidecar.RestartPolicy);
        Assert.NotNull(sidecar.StartupProbe);
        // Apart from what makes it a sidecar, the container is the Deployment's gateway, field for field.
        sidecar.RestartPolicy = null;
        sidecar.StartupProbe = null;
        Assert.Equal(k8s.KubernetesJson.Serialize(deployed), k8s.KubernetesJson.Serialize(sidecar));

        var pod = job.Spec.Template.Spec;
        var deployedPod = deployment.Spec.Template.Spec;
        Assert.Equal(deployedPod.ServiceAccountName, pod.ServiceAccountName);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.False(pod.EnableServiceLinks);
        foreach (var mount in deployed.VolumeMounts)
        {
            var volume = pod.Volumes.Single(v => v.Name == mount.Name);
            Assert.Equal(k8s.KubernetesJson.Serialize(deployedPod.Volumes.Single(v => v.Name == mount.Name)), k8s.KubernetesJson.Serialize(volume));
        }
    }

    [Fact]
    public void Build_EvalContainerGetsNoCredential()
    {
        var job = Build();
        var eval = Eval(job);
        var credentialVolumes = job.Spec.Template.Spec.Volumes.Where(v => v.Secret is not null || v.Projected is not null).Select(v => v.Name).ToList();

        Assert.NotEmpty(credentialVolumes);
        Assert.DoesNotContain(eval.VolumeMounts, m => credentialVolumes.Contains(m.Name));
        Assert.All(eval.Env, e => Assert.Null(e.ValueFrom));
    }

    [Fact]
    public void Build_EveryContainerMeetsTheRestrictedPodSecurityStandard()
    {
        var pod = Build().Spec.Template.Spec;

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.All(pod.Containers.Concat(pod.InitContainers), c =>
        {
            Assert.False(c.SecurityContext.AllowPrivilegeEscalation);
            Assert.True(c.SecurityContext.ReadOnlyRootFilesystem);
            Assert.Equal(["ALL"], c.SecurityContext.Capabilities.Drop);
            Assert.True(c.SecurityContext.RunAsNonRoot);
        });
    }

    [Fact]
    public void Build_WorkflowWithoutEvaluation_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(() => EvaluationJobBuilder.Build(Inputs(), Options));
        Assert.Contains("spec.rollout.evaluation", exception.Message, StringComparison.Ordinal);
    }
}
