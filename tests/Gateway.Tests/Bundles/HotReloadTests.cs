using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Policy.Bundles;
using Microsoft.Extensions.Logging.Abstractions;

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
        await using var kube = await FakeKubernetesApi.StartAsync();
        var path = Path.Combine(Path.GetTempPath(), $"audit-{Guid.NewGuid():N}.jsonl");
        await using var audit = await AgentOperator.Gateway.Audit.AuditLog.OpenAsync(path, NullLogger.Instance, CancellationToken.None);
        var holder = new PolicyHolder(audit, TimeProvider.System, NullLogger<PolicyHolder>.Instance);
        kube.PutConfigMap("support", "support-refund-rev1-policy", new Dictionary<string, string> { ["bundle.json"] = PolicyBundleJson.Serialize(TestBundles.SupportRefund("http://127.0.0.1:1")) });
        var watcher = new BundleConfigMapWatcher(kube.Client(), "support", "support-refund-rev1-policy", "bundle.json", holder, TimeProvider.System, NullLogger<BundleConfigMapWatcher>.Instance);
        Assert.True(await watcher.LoadInitialAsync(CancellationToken.None));
        await watcher.StartAsync(CancellationToken.None);
        try
        {
            Assert.False(holder.Current!.Engine.Bundle.KillSwitch);

            kube.PutConfigMap("support", "support-refund-rev1-policy", new Dictionary<string, string> { ["bundle.json"] = PolicyBundleJson.Serialize(TestBundles.SupportRefund("http://127.0.0.1:1", killSwitch: true)) });

            await WaitUntilAsync(() => holder.Current!.Engine.Bundle.KillSwitch);
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
            File.Delete(path);
        }
    }

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
