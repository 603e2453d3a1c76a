using System.Diagnostics;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>The real kubectl (/usr/bin/kubectl, installed by .ci/run) against a kubeconfig DevCluster wrote.</summary>
internal static class Kubectl
{
    /// <summary>Runs kubectl and returns its standard output; a non-zero exit fails the test with kubectl's error.</summary>
    public static async Task<string> RunAsync(string kubeconfig, params string[] args)
    {
        var result = await TryRunAsync(kubeconfig, args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {result.Error}");
        return result.Output;
    }

    /// <summary>Runs kubectl and returns its exit code, standard output and standard error, for commands expected to be refused.</summary>
    public static async Task<KubectlResult> TryRunAsync(string kubeconfig, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>What one kubectl command did.</summary>
internal sealed record KubectlResult(int ExitCode, string Output, string Error);
