using AgentOperator.DevCluster.Simulation;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;

namespace AgentOperator.DevCluster.Tests.Simulation;

/// <summary>
/// The KWOK-like simulation: Deployments get a ReplicaSet and Ready pods and report Available; Jobs finish with
/// the outcome the pod runner gives (the default runner reads the devcluster.agentoperator.io/outcome annotation).
/// </summary>
public sealed class WorkloadSimulationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Deployment_status_reports_ready_replicas_and_observed_generation()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Api.ObjectSemanticsTests.Deployment("web", replicas: 3), ns);
        var d = await Eventually.MatchAsync(
            () => cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns),
            d => d.Status?.AvailableReplicas == 3,
            "3 available replicas");
        Assert.Equal(3, d.Status.ReadyReplicas);
        Assert.Equal(3, d.Status.UpdatedReplicas);
        Assert.Equal(d.Metadata.Generation, d.Status.ObservedGeneration);
        Assert.Contains(d.Status.Conditions, c => c.Type == "Available" && c.Status == "True" && c.Reason == "MinimumReplicasAvailable");
        Assert.Contains(d.Status.Conditions, c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable");

        var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=web");
        Assert.Equal(3, pods.Items.Count);
        Assert.All(pods.Items, p => Assert.Equal("Running", p.Status.Phase));
        Assert.All(pods.Items, p => Assert.Equal("ReplicaSet", p.Metadata.OwnerReferences.Single().Kind));
    }

    [Theory]
    [InlineData("Succeeded", "Complete")]
    [InlineData("Failed", "Failed")]
    public async Task Job_finishes_with_the_configured_outcome(string outcome, string condition)
    {
        var ns = await cluster.CreateNamespaceAsync();
        var job = $$"""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: eval}
            spec:
              backoffLimit: 0
              template:
                metadata:
                  annotations: {"{{ReadyPodRunner.OutcomeAnnotation}}": "{{outcome}}"}
                spec:
                  restartPolicy: Never
                  containers: [{name: eval, image: eval:1}]
            """;
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", job);
        var wait = await cluster.Kubectl.RunAsync($"wait -n {ns} --for=condition={condition} job/eval --timeout=20s", timeout: TimeSpan.FromSeconds(30));
        Assert.True(wait.ExitCode == 0, wait.ToString());
        var status = (await cluster.Client.BatchV1.ReadNamespacedJobAsync("eval", ns)).Status;
        Assert.Equal(outcome == "Succeeded" ? 1 : 0, status.Succeeded ?? 0);
        Assert.Equal(outcome == "Failed" ? 1 : 0, status.Failed ?? 0);
    }
}
