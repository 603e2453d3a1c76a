using System.Diagnostics;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Hosting;

/// <summary>The command-line contract: <c>AgentOperator.DevCluster --kubeconfig PATH</c> writes a kubeconfig once it serves and runs until SIGTERM.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Kubeconfig_is_written_once_serving_and_SIGTERM_stops_the_server_cleanly()
    {
        var directory = Path.Combine(Path.GetTempPath(), "devcluster-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var dll = typeof(DevClusterServer).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--kubeconfig", kubeconfig })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        try
        {
            await Eventually.MatchAsync(() => Task.FromResult(File.Exists(kubeconfig)), exists => exists, "the kubeconfig to be written", TimeSpan.FromSeconds(30));
            var kubectl = new Infrastructure.Kubectl(kubeconfig, Path.Combine(directory, "cache"));
            var namespaces = await kubectl.SucceedAsync("get namespaces -o name");
            Assert.Contains("namespace/default", namespaces);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
                Assert.Equal(0, kill.ExitCode);
            }

            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(exited.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            Directory.Delete(directory, recursive: true);
        }
    }
}
