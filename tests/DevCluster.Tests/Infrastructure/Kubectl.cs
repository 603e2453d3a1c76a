using System.Diagnostics;
using System.Text;

namespace AgentOperator.DevCluster.Tests.Infrastructure;

/// <summary>Runs the real kubectl binary against a kubeconfig, with a bounded wait and its own discovery cache.</summary>
public sealed class Kubectl(string kubeconfig, string cacheDirectory)
{
    public static readonly string Binary = File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";

    public Task<KubectlResult> RunAsync(string arguments, string? stdin = null, TimeSpan? timeout = null) =>
        RunAsync(Split(arguments), stdin, timeout);

    public async Task<KubectlResult> RunAsync(IReadOnlyList<string> arguments, string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        psi.Environment["KUBECONFIG"] = kubeconfig;
        psi.Environment["KUBECACHEDIR"] = cacheDirectory;
        psi.ArgumentList.Add("--cache-dir=" + cacheDirectory);
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("kubectl did not start");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.WaitForExit();
        lock (stdout)
        {
            lock (stderr)
            {
                return new KubectlResult(string.Join(' ', arguments), timedOut ? -1 : process.ExitCode, stdout.ToString(), stderr.ToString(), timedOut);
            }
        }
    }

    /// <summary>Runs and asserts success, returning stdout.</summary>
    public async Task<string> SucceedAsync(string arguments, string? stdin = null)
    {
        var result = await RunAsync(arguments, stdin);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    /// <summary>Runs with the arguments as given (no splitting) and asserts success, returning stdout.</summary>
    public async Task<string> SucceedAsync(IReadOnlyList<string> arguments, string? stdin = null)
    {
        var result = await RunAsync(arguments, stdin);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    private static List<string> Split(string arguments)
    {
        // Single quotes group, as in a shell; enough for the JSON patches the tests pass.
        var parts = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in arguments)
        {
            if (c == '\'')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any)
                {
                    parts.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            parts.Add(current.ToString());
        }

        return parts;
    }
}
