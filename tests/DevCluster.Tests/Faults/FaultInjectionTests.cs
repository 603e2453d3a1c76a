using System.Diagnostics;
using System.Net;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Faults;

/// <summary>Fault injection is off until asked, then hits exactly the requests it names, with kube-apiserver's Status bodies.</summary>
public sealed class FaultInjectionTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Next_N_matching_requests_get_429_with_Retry_After_then_the_server_recovers()
    {
        var ns = await cluster.CreateNamespaceAsync();
        cluster.Server.Faults.FailNext("list", "configmaps", 429, count: 2, retryAfterSeconds: 3);

        Assert.Equal(HttpStatusCode.OK, (await cluster.Http.GetAsync($"api/v1/namespaces/{ns}/secrets")).StatusCode);
        for (var i = 0; i < 2; i++)
        {
            var response = await cluster.Http.GetAsync($"api/v1/namespaces/{ns}/configmaps");
            var status = await StatusBody.ReadAsync(response, HttpStatusCode.TooManyRequests);
            Assert.Equal("TooManyRequests", (string?)status["reason"]);
            Assert.Equal("3", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(HttpStatusCode.OK, (await cluster.Http.GetAsync($"api/v1/namespaces/{ns}/configmaps")).StatusCode);
    }

    [Fact]
    public async Task Injected_500_and_409_use_InternalError_and_Conflict_statuses()
    {
        var ns = await cluster.CreateNamespaceAsync();
        cluster.Server.Faults.FailNext("get", "namespaces", 500);
        var internalError = await StatusBody.ReadAsync(await cluster.Http.GetAsync($"api/v1/namespaces/{ns}"), HttpStatusCode.InternalServerError);
        Assert.Equal("InternalError", (string?)internalError["reason"]);

        cluster.Server.Faults.FailNext("get", "namespaces", 409);
        var conflict = await StatusBody.ReadAsync(await cluster.Http.GetAsync($"api/v1/namespaces/{ns}"), HttpStatusCode.Conflict);
        Assert.Equal("Conflict", (string?)conflict["reason"]);
        Assert.Equal(HttpStatusCode.OK, (await cluster.Http.GetAsync($"api/v1/namespaces/{ns}")).StatusCode);
    }

    [Fact]
    public async Task Latency_delays_requests_until_reset()
    {
        cluster.Server.Faults.SetLatency(TimeSpan.FromMilliseconds(300));
        try
        {
            var sw = Stopwatch.StartNew();
            await cluster.Http.GetAsync("api/v1/namespaces/default");
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(300), $"took {sw.Elapsed}");
        }
        finally
        {
            cluster.Server.Faults.Reset();
        }
    }
}
