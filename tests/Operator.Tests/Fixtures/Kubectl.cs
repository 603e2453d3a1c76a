using System.Diagnostics;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>The real kubectl (/usr/bin/kubectl, installed by .ci/run) against a kubeconfig DevCluster wrote.</summary>
internal static class Kubectl
{
    /// <summary>Runs kubectl and returns its standard output; a non-zero exit fails the test with kubectl's error.</summary>
    public static async Task<string> RunAsync(string kubeconfig, params string[] args)
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
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {await stderr}");
        return await stdout;
    }
}
