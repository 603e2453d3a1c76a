using AgentOperator.DevCluster.Simulation;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Simulation;

/// <summary>
/// Native sidecars (init containers with restartPolicy Always) and Job deadlines, as the kubelet and the Job
/// controller report them: sidecars run beside the containers and end after them; every container gets its own
/// state.terminated; a Job past activeDeadlineSeconds fails with DeadlineExceeded.
/// </summary>
public sealed class NativeSidecarTests(NativeSidecarTests.Fixture cluster) : IClassFixture<NativeSidecarTests.Fixture>
{
    /// <summary>A cluster whose runner keeps run-to-completion pods annotated <see cref="HoldingRunner.HoldAnnotation"/> running, and ends the others with one message per container.</summary>
    public sealed class Fixture : ClusterFixture
    {
        protected override DevClusterOptions Options => base.Options with { PodRunner = new HoldingRunner() };
    }

    private sealed class HoldingRunner : IPodRunner
    {
        public const string HoldAnnotation = "test.agentoperator.io/hold";
        private readonly ReadyPodRunner _ready = new();

        public async Task<PodOutcome?> RunAsync(PodContext pod, CancellationToken ct)
        {
            if (pod.RestartPolicy == "Always" || !pod.Annotations.ContainsKey(HoldAnnotation))
            {
                var outcome = await _ready.RunAsync(pod, ct);
                return outcome is null ? null : outcome with { Containers = new Dictionary<string, ContainerOutcome> { ["eval"] = new(0, "Completed", "0.95") } };
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            return null;
        }
    }

    private static V1PodSpec Spec(string restartPolicy) => new()
    {
        RestartPolicy = restartPolicy,
        InitContainers =
        [
            new() { Name = "setup", Image = "busybox:1.36" },
            new() { Name = "gateway", Image = "gateway:1", RestartPolicy = "Always" },
        ],
        Containers = [new() { Name = "eval", Image = "eval:1" }, new() { Name = "helper", Image = "helper:1" }],
    };

    [Fact]
    public async Task ServicePod_SidecarRunsBesideTheContainers_InitContainerCompleted()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod { Metadata = new() { Name = "web" }, Spec = Spec("Always") }, ns);

        var pod = await Eventually.MatchAsync(() => cluster.Client.CoreV1.ReadNamespacedPodAsync("web", ns), p => p.Status?.Phase == "Running", "a Running pod");

        var init = pod.Status.InitContainerStatuses.ToDictionary(s => s.Name);
        Assert.Equal(("Completed", false), (init["setup"].State.Terminated?.Reason, init["setup"].Ready));
        Assert.Equal((true, true), (init["gateway"].State.Running is not null, init["gateway"].Ready));
        Assert.All(pod.Status.ContainerStatuses, s => Assert.NotNull(s.State.Running));
    }

    [Fact]
    public async Task JobPod_EndsWithItsContainers_EachWithItsTerminationMessage_SidecarStoppedAfter()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(new V1Job
        {
            Metadata = new() { Name = "eval" },
            Spec = new() { BackoffLimit = 0, Template = new() { Spec = Spec("Never") } },
        }, ns);

        var job = await Eventually.MatchAsync(() => cluster.Client.BatchV1.ReadNamespacedJobAsync("eval", ns), j => j.Status?.Succeeded == 1, "a succeeded Job");
        var pod = (await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "batch.kubernetes.io/job-name=eval")).Items.Single();

        Assert.Contains(job.Status.Conditions, c => c.Type == "Complete" && c.Status == "True");
        Assert.Equal("Succeeded", pod.Status.Phase);
        var containers = pod.Status.ContainerStatuses.ToDictionary(s => s.Name, s => s.State.Terminated);
        Assert.Equal((0, "0.95"), (containers["eval"].ExitCode, containers["eval"].Message));
        Assert.Equal((0, "Completed", ""), (containers["helper"].ExitCode, containers["helper"].Reason, containers["helper"].Message ?? ""));
        var sidecar = pod.Status.InitContainerStatuses.Single(s => s.Name == "gateway");
        Assert.Equal(("Completed", false), (sidecar.State.Terminated?.Reason, sidecar.Ready));
        Assert.True(sidecar.State.Terminated!.FinishedAt >= containers["eval"].FinishedAt);
    }

    [Fact]
    public async Task Job_PastActiveDeadline_FailsWithDeadlineExceeded_AndItsPodIsDeleted()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var spec = Spec("Never");
        await cluster.Client.BatchV1.CreateNamespacedJobAsync(new V1Job
        {
            Metadata = new() { Name = "slow" },
            Spec = new()
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = 2,
                Template = new() { Metadata = new() { Annotations = new Dictionary<string, string> { [HoldingRunner.HoldAnnotation] = "true" } }, Spec = spec },
            },
        }, ns);
        await Eventually.MatchAsync(
            () => cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "batch.kubernetes.io/job-name=slow"),
            pods => pods.Items.Any(p => p.Status?.Phase == "Running"), "the Job's pod running");

        var job = await Eventually.MatchAsync(
            () => cluster.Client.BatchV1.ReadNamespacedJobAsync("slow", ns),
            j => j.Status?.Conditions?.Any(c => c.Type == "Failed") == true, "a Failed Job", TimeSpan.FromSeconds(15));

        var failed = job.Status.Conditions.Single(c => c.Type == "Failed");
        Assert.Equal(("True", "DeadlineExceeded"), (failed.Status, failed.Reason));
        Assert.Equal((0, 1), (job.Status.Active ?? 0, job.Status.Failed ?? 0));
        await Eventually.MatchAsync(
            () => cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "batch.kubernetes.io/job-name=slow"),
            pods => pods.Items.Count == 0, "the Job's pod deleted");
    }
}
