using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevCluster;
using AgentOperator.DevMode.Analysis;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Traffic;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>
/// Everything the end-to-end rollout tests run on, all real: dev mode's environment (<see cref="NodeCluster"/>: each agent
/// pod runs the published gateway and sample agent as processes on the DevCluster node), the agentoperator.io and Gateway
/// API CRDs, and a real Prometheus scraping every running gateway pod every second. Operators are started per test
/// (<see cref="StartOperatorAsync"/>) so a test can kill one mid-rollout. Each test works in its own namespace.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit releases them through IAsyncLifetime.DisposeAsync.")]
public class RolloutEnvironment : IAsyncLifetime
{
    private NodeCluster? _cluster;
    private int _namespaces;

    public Kubernetes Client => Cluster.Admin;

    internal LocalPrometheus Prometheus => Cluster.Prometheus;

    internal NodeCluster Cluster => _cluster ?? throw new InvalidOperationException("the environment has not started");

    /// <summary>Canary analysis of the operators under test: queries go to <see cref="Prometheus"/>, whatever address a workflow names.</summary>
    internal AnalysisOptions Analysis => new() { PrometheusAddressOverride = Prometheus.Address };

    public async Task InitializeAsync()
    {
        _cluster = await NodeCluster.StartAsync(
            new DevClusterOptions { WatchBookmarkInterval = TimeSpan.FromMilliseconds(500) },
            new LocalPrometheusOptions { ScrapeInterval = TimeSpan.FromSeconds(1) });
        await AgentOperatorCrds.InstallAsync(Client, CancellationToken.None);
        await GatewayApiCrds.InstallAsync(Client, CancellationToken.None);
    }

    /// <summary>Starts an operator on this environment, its canary analysis reading <see cref="Prometheus"/>.</summary>
    internal Task<OperatorInstance> StartOperatorAsync() => OperatorInstance.StartAsync(Cluster.OperatorConfiguration, analysis: Analysis);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>A fresh namespace with the example tools and a placeholder model key Secret.</summary>
    public async Task<string> CreateNamespaceAsync()
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"rollout-{Interlocked.Increment(ref _namespaces)}");
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        foreach (var tool in DevModeExamples.Tools())
        {
            tool.Metadata.NamespaceProperty = name;
            tool.Metadata.ResourceVersion = null;
            await Client.CustomObjects.CreateNamespacedCustomObjectAsync(tool, ApiGroup.Group, ApiGroup.Version, name, AgentTool.Plural);
        }

        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "openai-api-key" },
            Data = new Dictionary<string, byte[]> { ["api-key"] = "test-placeholder"u8.ToArray() },
        }, name);
        return name;
    }
}
