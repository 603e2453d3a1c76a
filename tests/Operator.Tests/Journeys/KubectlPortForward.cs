using System.Globalization;
using System.Text.RegularExpressions;
using AgentOperator.Operator.Tests.Contracts;
using AgentOperator.Operator.Tests.DevMode;

namespace AgentOperator.Operator.Tests.Journeys;

/// <summary>
/// <c>kubectl port-forward TARGET :PORT</c> as a user runs it: kubectl picks the local port and prints it; disposing stops kubectl.
/// </summary>
internal sealed partial class KubectlPortForward : IAsyncDisposable
{
    private readonly RunningProcess _kubectl;

    private KubectlPortForward(RunningProcess kubectl, int localPort)
    {
        _kubectl = kubectl;
        LocalPort = localPort;
    }

    public int LocalPort { get; }

    public static async Task<KubectlPortForward> StartAsync(string kubeconfig, string ns, string target, int remotePort)
    {
        var kubectl = RunningProcess.Start("/usr/bin/kubectl",
            ["--kubeconfig", kubeconfig, "port-forward", "-n", ns, target, ":" + remotePort.ToString(CultureInfo.InvariantCulture), "--address", "127.0.0.1"], "/", null);
        var forwarding = await BoundedWait.UntilAsync(() => Task.FromResult(Forwarding().Match(kubectl.Output)), m => m.Success || kubectl.HasExited, TimeSpan.FromSeconds(30),
            _ => $"kubectl port-forward -n {ns} {target} :{remotePort} printed no \"Forwarding from\" line:\n{kubectl.Output}\n{kubectl.Error}");
        Assert.True(forwarding.Success, $"kubectl port-forward -n {ns} {target} :{remotePort} exited:\n{kubectl.Output}\n{kubectl.Error}");
        return new KubectlPortForward(kubectl, int.Parse(forwarding.Groups["port"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>What kubectl printed: its errors name a forwarding that broke.</summary>
    public string Log => $"{_kubectl.Output}\n{_kubectl.Error}";

    public ValueTask DisposeAsync() => _kubectl.DisposeAsync();

    [GeneratedRegex(@"Forwarding from 127\.0\.0\.1:(?<port>\d+) ->")]
    private static partial Regex Forwarding();
}
