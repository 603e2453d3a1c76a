using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Tests.Contracts;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Workflows;
using k8s;
using Xunit.Abstractions;

namespace AgentOperator.Operator.Tests.DevMode;

/// <summary>
/// Dev mode as the README starts it: the built AgentOperator.DevMode program as its own process, from the repository
/// root, with a kubeconfig path and an API port; a user's client sees the operator and the audit collector run as the pods
/// of config/default, both examples Ready, and SIGTERM stops it, leaving no pod network behind.
/// </summary>
[Collection(NodeLanes.DevMode)]
public sealed class DevModeProgramTests(ITestOutputHelper output)
{
    // A cold start publishes the four images first (2–3 min on 2 cores).
    private static readonly TimeSpan ReadyBound = TimeSpan.FromSeconds(420);
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(45);
    private static readonly string[] Examples = ["support-refund", "support-triage"];

    [Fact]
    public async Task Dev_mode_program_brings_both_examples_to_Ready_and_stops_on_sigterm()
    {
        var directory = Directory.CreateTempSubdirectory("agentoperator-devmode-program-").FullName;
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var port = FreePort();
        var program = Path.Combine(AppContext.BaseDirectory, "AgentOperator.DevMode.dll");
        var clock = Stopwatch.StartNew();
        await using var devMode = RunningProcess.Start("dotnet", [program, "--kubeconfig", kubeconfig, "--port", port.ToString(CultureInfo.InvariantCulture), "--no-ui", "--image-cache", NodeCluster.ImageCache],
            DevModeExamples.Repository.Root, null);

        await BoundedWait.UntilAsync(() => Task.FromResult(File.Exists(kubeconfig) || devMode.HasExited), done => done, ReadyBound,
            _ => $"dev mode wrote no kubeconfig to {kubeconfig}:\n{devMode.Output}\n{devMode.Error}");
        Assert.False(devMode.HasExited, $"dev mode exited early:\n{devMode.Output}\n{devMode.Error}");
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        Assert.Equal(new Uri($"https://127.0.0.1:{port}/"), new Uri(configuration.Host));
        using var client = new Kubernetes(configuration);

        await BoundedWait.UntilAsync(() => WorkflowsAsync(client), workflows => devMode.HasExited || (workflows.Count == Examples.Length && workflows.All(WorkflowManifests.IsReady)), ReadyBound,
            workflows => $"expected {string.Join(" and ", Examples)} Ready, saw [{string.Join("; ", workflows.Select(w => $"{w.Metadata.Name}: {WorkflowManifests.Describe(w)}"))}]\n{devMode.Output}\n{devMode.Error}");
        Assert.False(devMode.HasExited, $"dev mode exited before both examples were Ready:\n{devMode.Output}\n{devMode.Error}");
        var ready = clock.Elapsed;
        output.WriteLine($"both examples Ready {ready.TotalSeconds:0.0} s after the dev mode process started");

        // The operator is config/default's Deployment, run by the node as its own ServiceAccount; the collector's claim is bound.
        var operatorPods = await client.CoreV1.ListNamespacedPodAsync("agentoperator-system", labelSelector: "app.kubernetes.io/component=operator");
        Assert.Equal(2, operatorPods.Items.Count(p => p.Status?.Phase == "Running"));
        Assert.All(operatorPods.Items, p => Assert.Equal("agent-operator", p.Spec.ServiceAccountName));
        var claim = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("agentoperator-audit-store", "agentoperator-system");
        Assert.Equal("Bound", claim.Status.Phase);
        // The node's bridge is dcbrN for its address 10.244.N.1.
        var node = Assert.Single((await client.CoreV1.ListNodeAsync()).Items);
        var bridge = "dcbr" + node.Status.Addresses.Single(a => a.Type == "InternalIP").Address.Split('.')[2];
        Assert.True(Directory.Exists(Path.Combine("/sys/class/net", bridge)), $"no bridge {bridge} for node address {node.Status.Addresses.Single(a => a.Type == "InternalIP").Address}");

        await devMode.TerminateAsync();
        var exitCode = await devMode.WaitForExitAsync(ExitBound);
        Assert.True(exitCode == 0, $"dev mode exited {exitCode} on SIGTERM:\n{devMode.Output}\n{devMode.Error}");
        output.WriteLine($"stopped {(clock.Elapsed - ready).TotalSeconds:0.0} s after SIGTERM");
        var log = devMode.Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("kubectl apply --server-side -k config/default", devMode.Output, StringComparison.Ordinal);
        Assert.Contains("deployment agentoperator-system/agent-operator rolled out", devMode.Output, StringComparison.Ordinal);
        Assert.Contains("agentworkflow.agentoperator.io/support-refund created", devMode.Output, StringComparison.Ordinal);

        // The progress log's last line; warnings logged while stopping may be flushed after it.
        Assert.True(log.Any(l => l.EndsWith(" stopped", StringComparison.Ordinal)), $"dev mode did not say it stopped:\n{devMode.Output}\n{devMode.Error}");

        // Everything is down: the API server no longer answers, and the node removed its bridge.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.CoreV1.ListNamespaceAsync());
        Assert.False(Directory.Exists(Path.Combine("/sys/class/net", bridge)), $"the node left its bridge {bridge} behind");
        Directory.Delete(directory, recursive: true);
    }

    private static async Task<IReadOnlyList<AgentWorkflow>> WorkflowsAsync(IKubernetes client)
    {
        var workflows = new List<AgentWorkflow>();
        foreach (var name in Examples)
        {
            try
            {
                workflows.Add(await WorkflowManifests.GetAsync(client, "support", name));
            }
            catch (k8s.Autorest.HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // Not applied yet: dev mode applies the examples after the operator has started.
            }
            catch (HttpRequestException)
            {
                // The API server is gone: dev mode exited, which the caller reports with its output.
                return [];
            }
        }

        return workflows;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
