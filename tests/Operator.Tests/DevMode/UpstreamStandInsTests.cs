using System.Net;
using System.Net.Sockets;
using AgentOperator.DevMode.LiveView;
using AgentOperator.DevMode.Upstreams;
using k8s;

namespace AgentOperator.Operator.Tests.DevMode;

/// <summary>The stand-ins loop is awaited when dev mode stops, so stopping must end it quietly.</summary>
public sealed class UpstreamStandInsTests
{
    [Fact]
    public async Task Stopping_while_a_pass_waits_on_the_api_server_ends_the_loop_without_throwing()
    {
        // An API server that accepts the connection and never answers: the pass is mid-request when dev mode stops.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = silent.AcceptSocketAsync();
        using var output = new StringWriter();
        using var admin = new Kubernetes(new KubernetesClientConfiguration { Host = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}" });
        var targets = new UpstreamTargets(IPAddress.Loopback, 443, new IPEndPoint(IPAddress.Loopback, 9), null);
        var standIns = new UpstreamStandIns(admin, targets, (_, _) => { }, new PlainProgressLog(output, TimeProvider.System));
        using var stopping = new CancellationTokenSource();

        var loop = standIns.RunAsync(TimeSpan.FromSeconds(1), TimeProvider.System, stopping.Token);
        using var connection = await accepted.WaitAsync(TimeSpan.FromSeconds(30));
        await stopping.CancelAsync();

        var ended = await Task.WhenAny(loop, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(ended == loop, "the stand-ins loop did not end within 30 s of stopping");
        await loop; // throws if the loop ended by an exception
        Assert.DoesNotContain("retrying", output.ToString(), StringComparison.Ordinal);
    }
}
