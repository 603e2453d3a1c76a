using System.Diagnostics;
using AgentOperator.DevCluster.Node;

namespace AgentOperator.DevMode.Install;

/// <summary>
/// The real kubectl, run as a user runs it against dev mode's kubeconfig: dev mode installs with it what a user installs
/// (<c>kubectl apply -k config/default</c>), so the install manifests are exercised on every start.
/// </summary>
internal sealed class KubectlRunner(string kubeconfig)
{
    /// <summary>Whether kubectl is on PATH.</summary>
    public static bool IsInstalled => HostExecutables.Find("kubectl") is not null;

    /// <summary>Runs <c>kubectl ARGS</c>; returns its standard output, or throws <see cref="KubectlException"/> with its error output when it fails.</summary>
    public async Task<string> RunAsync(CancellationToken ct, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["KUBECONFIG"] = kubeconfig;
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new KubectlException("kubectl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return process.ExitCode == 0
            ? await stdout
            : throw new KubectlException($"kubectl {string.Join(' ', args)} failed ({process.ExitCode}): {(await stderr).Trim()}");
    }
}
