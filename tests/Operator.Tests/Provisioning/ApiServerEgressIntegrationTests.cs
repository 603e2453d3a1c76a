using AgentOperator.Operator.Hosting;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Workflows;
using AgentOperator.Operator.Workflows;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Operator.Tests.Provisioning;

/// <summary>
/// The operator host as Program.cs runs it reads <c>default/kubernetes</c> and names the API server's real address and
/// port in every revision's NetworkPolicy, and rewrites the policies when those endpoints change. The tests of this
/// class run one after another on their own cluster; the one that moves the endpoints puts them back.
/// </summary>
public sealed class ApiServerEgressIntegrationTests(WorkflowClusterFixture cluster) : IClassFixture<WorkflowClusterFixture>
{
    private Kubernetes Client => cluster.Client;

    private int ApiServerPort => cluster.Server.BaseAddress.Port;

    [Fact]
    public async Task NetworkPolicyEgress_NamesExactlyTheApiServerEndpoint_NoAnyAddressFallback()
    {
        var ns = await cluster.CreateNamespaceAsync("egress");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var host = await StartHostAsync(ns);

        await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds");

        var policy = Assert.Single((await WorkflowChildren.ReadAsync(Client, ns, "refunds")).NetworkPolicies);
        var apiServerRule = Assert.Single(policy.Spec.Egress, r => r.Ports?.Any(p => p.Port?.Value == $"{ApiServerPort}") == true);
        Assert.Equal(["127.0.0.1/32"], apiServerRule.To.Select(p => p.IpBlock?.Cidr));
        Assert.Equal([$"TCP/{ApiServerPort}"], apiServerRule.Ports.Select(p => $"{p.Protocol}/{p.Port.Value}"));
        Assert.DoesNotContain(policy.Spec.Egress, r => r.To?.Any(p => p.IpBlock?.Cidr is "0.0.0.0/0" or "::/0") == true);
    }

    [Fact]
    public async Task EndpointsChange_EveryNetworkPolicyFollows_SliceFirstThenCoreEndpoints()
    {
        var ns = await cluster.CreateNamespaceAsync("moved");
        await WorkflowManifests.ApplyToolsAsync(Client, ns);
        await using var host = await StartHostAsync(ns);
        await WorkflowScenario.CreateReadyAsync(Client, ns, "refunds");
        var originalSlice = await Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync("kubernetes", "default");
        var originalEndpoints = await Client.CoreV1.ReadNamespacedEndpointsAsync("kubernetes", "default");
        try
        {
            // A second API server joins: the slice is what counts.
            var slice = await Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync("kubernetes", "default");
            slice.Endpoints.Add(new V1Endpoint { Addresses = ["10.0.0.7"], Conditions = new V1EndpointConditions { Ready = true } });
            await Client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(slice, "kubernetes", "default");
            await ApiServerPeersAsync(ns, ["10.0.0.7/32", "127.0.0.1/32"], "both API servers after the slice gained 10.0.0.7");

            // No slice: the core Endpoints are used.
            await Client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync("kubernetes", "default");
            var endpoints = await Client.CoreV1.ReadNamespacedEndpointsAsync("kubernetes", "default");
            endpoints.Subsets[0].Addresses = [new V1EndpointAddress { Ip = "10.0.0.8" }];
            await Client.CoreV1.ReplaceNamespacedEndpointsAsync(endpoints, "kubernetes", "default");
            await ApiServerPeersAsync(ns, ["10.0.0.8/32"], "the core Endpoints' address once the slice is gone");
        }
        finally
        {
            originalEndpoints.Metadata.ResourceVersion = null;
            await Client.CoreV1.ReplaceNamespacedEndpointsAsync(originalEndpoints, "kubernetes", "default");
            originalSlice.Metadata.ResourceVersion = null;
            originalSlice.Metadata.Uid = null;
            await Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(originalSlice, "default");
        }
    }

    private async Task ApiServerPeersAsync(string ns, IReadOnlyList<string> cidrs, string what) =>
        await Within.UntilAsync(
            async () => Assert.Single((await WorkflowChildren.ReadAsync(Client, ns, "refunds")).NetworkPolicies),
            policy => ApiServerCidrs(policy).SequenceEqual(cidrs),
            policy => string.Join(", ", ApiServerCidrs(policy)),
            $"the NetworkPolicy's API server rule to name {what}");

    private IReadOnlyList<string> ApiServerCidrs(V1NetworkPolicy policy) =>
        [.. policy.Spec.Egress.Where(r => r.Ports?.Any(p => p.Port?.Value == $"{ApiServerPort}") == true).SelectMany(r => r.To).Select(p => p.IpBlock?.Cidr ?? "?").Order(StringComparer.Ordinal)];

    private async Task<HostHandle> StartHostAsync(string ns)
    {
        var app = OperatorHost.Build(
            new OperatorOptions
            {
                ClientConfiguration = cluster.OperatorConfiguration,
                WatchNamespace = ns,
                HealthPort = FreePort.Pick(),
                MetricsPort = FreePort.Pick(),
                LogLevel = LogLevel.Warning,
            },
            runtime =>
            {
                runtime.Services.AddSingleton(Prometheus.Metrics.NewCustomRegistry());
                runtime.AddAgentWorkflowController();
            });
        await app.StartAsync();
        return new HostHandle(app);
    }

    private sealed class HostHandle(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
