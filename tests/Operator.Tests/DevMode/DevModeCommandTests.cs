using AgentOperator.DevMode;
using AgentOperator.DevMode.Install;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Workflows;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.DevMode;

public sealed class DevModeCommandTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_NoUi_AppliesExamplesRunsTheirPodsAndStopsCleanly()
    {
        var directory = Path.Combine(Path.GetTempPath(), "agentoperator-devmode-tests", Guid.NewGuid().ToString("N"));
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var options = new DevModeOptions { Kubeconfig = kubeconfig, Repository = DevModeExamples.Repository, NoUi = true, ExitAfter = TimeSpan.FromSeconds(120) };
        using var output = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = DevModeCommand.RunAsync(options, runtime => runtime.AddAgentWorkflowController(), TextWriter.Synchronized(output), stop.Token);
        try
        {
            await BoundedWait.UntilAsync(() => Task.FromResult(File.Exists(kubeconfig) || run.IsCompleted), done => done, Bound, _ => "no kubeconfig written");
            Assert.False(run.IsCompleted, $"dev mode ended early:\n{output}");
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));

            // The operator provisions both example workflows and their pods run in-process.
            var pods = await BoundedWait.UntilAsync(
                async () => (await client.CoreV1.ListNamespacedPodAsync("support")).Items,
                items => items.Count(p => p.Status?.Phase == "Running") >= 5, Bound,
                items => $"expected the 5 example pods (2 refund + 3 triage) Running, saw [{string.Join(", ", items.Select(p => $"{p.Metadata.Name}={p.Status?.Phase}"))}]\n{output}");
            Assert.Contains(pods, p => p.Metadata.Labels?["agentoperator.io/workflow"] == "support-refund");

            // config/rbac's ClusterRoles are installed: the README's approver binding works and grants `approve` there.
            await Kubectl.RunAsync(kubeconfig, "create", "rolebinding", "refund-approvers", "-n", "support",
                "--clusterrole=agentoperator-approver", "--group=finance-approvers");
            var review = await client.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
            {
                Spec = new V1SubjectAccessReviewSpec
                {
                    User = "alice",
                    Groups = ["finance-approvers"],
                    ResourceAttributes = new V1ResourceAttributes { Verb = "approve", Group = "agentoperator.io", Resource = "agentapprovals", NamespaceProperty = "support" },
                },
            });
            Assert.True(review.Status.Allowed, "a finance-approvers member may not approve in support");

            // Real traffic through real gateways shows up in the plain log.
            await BoundedWait.UntilAsync(() => Task.FromResult(output.ToString()), text => text.Contains("traffic support-triage@", StringComparison.Ordinal) && text.Contains("allow=", StringComparison.Ordinal),
                Bound, text => $"no traffic line with allowed tool calls:\n{text}");
        }
        finally
        {
            await stop.CancelAsync();
        }

        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(45));
        var log = output.ToString();
        Assert.True(exitCode == 0, log);
        Assert.Contains($"export KUBECONFIG={kubeconfig}", log, StringComparison.Ordinal);
        Assert.Contains("agentworkflow/support-refund -n support applied", log, StringComparison.Ordinal);
        Assert.Contains("clusterrole/agentoperator-approver", log, StringComparison.Ordinal);
        Assert.Contains("operator running in-process as system:serviceaccount:agentoperator-system:agent-operator", log, StringComparison.Ordinal);
        Assert.Contains("secret support/payments-api-token created with a dev-only placeholder value", log, StringComparison.Ordinal);
        Assert.DoesNotContain(DevSecrets.PlaceholderValue, log, StringComparison.Ordinal);
        Assert.EndsWith("stopped", log.TrimEnd(), StringComparison.Ordinal);

        // Everything is down: the API server no longer answers.
        using var after = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        await Assert.ThrowsAsync<HttpRequestException>(() => after.CoreV1.ListNamespaceAsync());
        Directory.Delete(directory, recursive: true);
    }
}
