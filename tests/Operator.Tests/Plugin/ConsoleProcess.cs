using System.Diagnostics;
using AgentOperator.Operator.Tests.Fixtures;

namespace AgentOperator.Operator.Tests.Plugin;

/// <summary>
/// <c>kubectl agents console</c> as a user starts it: the real kubectl runs the built plugin with the user's kubeconfig, on
/// a port picked now; ready once it prints its address. Disposing kills it.
/// </summary>
internal sealed class ConsoleProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ConsoleProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ConsoleProcess> StartAsync(string kubeconfig, params string[] args)
    {
        var port = FreePort.Pick();
        var start = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = KubectlAgentsPlugin.PluginDirectory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["KUBECONFIG"] = kubeconfig;
        foreach (var arg in (string[])["agents", "console", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("Console serving at ", StringComparison.Ordinal))
                {
                    return new ConsoleProcess(process, new Uri(line.Split(' ')[3]));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        throw new InvalidOperationException($"kubectl agents console did not print its address within 30 s (exit {process.ExitCode}): {await stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
