using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Gateway.Tests.Cluster;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Policy.Bundles;
using Microsoft.Extensions.Logging.Abstractions;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Gateway.Tests.Bundles;

public sealed class HotReloadTests
{
    [Fact]
    public async Task KillSwitch_InBundleFile_DeniesWritesOnTheNextCall()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var run = await gateway.StartRunAsync();
        using var before = await gateway.CallAsync(run, "tickets.create", """{"subject":"a"}""");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await gateway.WriteBundleAsync(TestBundles.SupportRefund(gateway.Upstream.Url, killSwitch: true));
        await WaitUntilAsync(() => gateway.Gateway.Policies.Current!.Engine.Bundle.KillSwitch);
        using var write = await gateway.CallAsync(run, "tickets.create", """{"subject":"b"}""");
        using var read = await gateway.CallAsync(run, "orders.lookup", """{"order_id":"A-1"}""");

        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal("kill-switch", (await write.Content.ReadFromJsonAsync<JsonObject>())!["rule"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(1, gateway.Upstream.Count("/tickets"));
    }

    [Fact]
    public async Task BrokenBundleFile_KeepsTheCurrentBundle()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var sha = gateway.Gateway.Policies.Current!.Sha256;

        await File.WriteAllTextAsync(gateway.BundlePath, "{ not json");
        await Task.Delay(400);

        Assert.Equal(sha, gateway.Gateway.Policies.Current!.Sha256);
        Assert.Contains(await gateway.AuditLinesAsync(), l => l.Contains("\"decision\":\"refused\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfigMapWatch_SwapsTheBundleWhenTheConfigMapChanges()
    {
        var cluster = await TestCluster.SharedAsync();
        var @namespace = await cluster.CreateNamespaceAsync("support");
        using var gatewayClient = cluster.Client(await cluster.GatewayTokenAsync(@namespace));
        var path = Path.Combine(Path.GetTempPath(), $"audit-{Guid.NewGuid():N}.jsonl");
        await using var audit = await AgentOperator.Gateway.Audit.AuditLog.OpenAsync(path, NullLogger.Instance, CancellationToken.None);
        var holder = new PolicyHolder(audit, TimeProvider.System, NullLogger<PolicyHolder>.Instance);
        await cluster.Admin.CoreV1.CreateNamespacedConfigMapAsync(PolicyConfigMap(TestBundles.SupportRefund("http://127.0.0.1:1")), @namespace);
        var watcher = new BundleConfigMapWatcher(gatewayClient, @namespace, GatewayRoles.RevisionObject, "bundle.json", holder, TimeProvider.System, NullLogger<BundleConfigMapWatcher>.Instance);
        Assert.True(await watcher.LoadInitialAsync(CancellationToken.None));
        await watcher.StartAsync(CancellationToken.None);
        try
        {
            Assert.False(holder.Current!.Engine.Bundle.KillSwitch);

            await cluster.Admin.CoreV1.ReplaceNamespacedConfigMapAsync(PolicyConfigMap(TestBundles.SupportRefund("http://127.0.0.1:1", killSwitch: true)), GatewayRoles.RevisionObject, @namespace);

            await WaitUntilAsync(() => holder.Current!.Engine.Bundle.KillSwitch);
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
            await cluster.Admin.CoreV1.DeleteNamespaceAsync(@namespace);
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ConfigMapWatch_WithoutReadAccess_RefusesToStart()
    {
        var cluster = await TestCluster.SharedAsync();
        var @namespace = await cluster.CreateNamespaceAsync("support");
        using var unauthorized = cluster.Client(await cluster.ServiceAccountTokenAsync(@namespace, "agent"));
        await cluster.Admin.CoreV1.CreateNamespacedConfigMapAsync(PolicyConfigMap(TestBundles.SupportRefund("http://127.0.0.1:1")), @namespace);
        var directory = Directory.CreateTempSubdirectory("gateway-test").FullName;
        try
        {
            var start = GatewayHost.StartAsync(new GatewayOptions
            {
                BundleConfigMap = new ConfigMapReference(@namespace, GatewayRoles.RevisionObject),
                AuditPath = Path.Combine(directory, "audit.jsonl"),
                MetricsBindAddress = "127.0.0.1",
            }, unauthorized, loggerFactory: NullLoggerFactory.Instance);

            var forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => start);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.Response.StatusCode);
        }
        finally
        {
            await cluster.Admin.CoreV1.DeleteNamespaceAsync(@namespace);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static V1ConfigMap PolicyConfigMap(PolicyBundle bundle) => new()
    {
        Metadata = new V1ObjectMeta { Name = GatewayRoles.RevisionObject },
        Data = new Dictionary<string, string> { ["bundle.json"] = PolicyBundleJson.Serialize(bundle) },
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(50);
        }
    }
}
