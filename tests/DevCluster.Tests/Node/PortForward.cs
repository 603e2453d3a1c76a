using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>The real <c>kubectl port-forward</c> running in the background: the local port it picked and what it printed; killed on dispose.</summary>
public sealed partial class PortForward : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource<int> _forwarding = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PortForward(Process process) => _process = process;

    public int LocalPort { get; private set; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Starts kubectl and returns once it listens locally (its "Forwarding from 127.0.0.1:PORT" line), or fails with what it printed.</summary>
    public static async Task<PortForward> StartAsync(ClusterFixture cluster, IReadOnlyList<string> arguments)
    {
        var psi = new ProcessStartInfo(Infrastructure.Kubectl.Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["KUBECONFIG"] = cluster.KubeconfigPath;
        psi.ArgumentList.Add("--cache-dir=" + Path.Combine(cluster.Directory, "cache"));
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        var forward = new PortForward(Process.Start(psi) ?? throw new InvalidOperationException("kubectl did not start"));
        forward._process.OutputDataReceived += (_, e) => forward.Append(forward._output, e.Data);
        forward._process.ErrorDataReceived += (_, e) => forward.Append(forward._errors, e.Data);
        forward._process.BeginOutputReadLine();
        forward._process.BeginErrorReadLine();
        var exited = forward._process.WaitForExitAsync();
        var first = await Task.WhenAny(forward._forwarding.Task, exited, Task.Delay(TimeSpan.FromSeconds(30)));
        if (first != forward._forwarding.Task)
        {
            await forward.DisposeAsync();
            Assert.Fail($"kubectl {string.Join(' ', arguments)} did not start forwarding{(first == exited ? " (it exited)" : " within 30 s")}\nstdout:\n{forward.Output}\nstderr:\n{forward.Errors}");
        }

        forward.LocalPort = await forward._forwarding.Task;
        return forward;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }

        if (ForwardingLine().Match(line) is { Success: true } match)
        {
            _forwarding.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"^Forwarding from 127\.0\.0\.1:(\d+) ->")]
    private static partial Regex ForwardingLine();
}
