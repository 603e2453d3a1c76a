using System.Diagnostics;
using AgentOperator.DevMode.Analysis;
using AgentOperator.Operator.Tests.Fixtures;

namespace AgentOperator.Operator.Tests.Analysis;

/// <summary>
/// A SIGKILLed dev mode or test run leaves its Prometheus running; the next start kills it, and leaves alone the
/// Prometheus of an owner that still runs.
/// </summary>
public sealed class AbandonedPrometheusTests
{
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Starting_prometheus_kills_the_one_whose_owner_was_killed_and_spares_the_one_whose_owner_runs()
    {
        using var deadOwner = Sleeper();
        using var liveOwner = Sleeper();
        var abandonedDirectory = WorkingDirectoryOf(deadOwner);
        var keptDirectory = WorkingDirectoryOf(liveOwner);
        using var abandoned = Prometheus(abandonedDirectory);
        using var kept = Prometheus(keptDirectory);
        try
        {
            deadOwner.Kill();
            await deadOwner.WaitForExitAsync();

            await using var started = await LocalPrometheus.StartAsync();

            // Another test (or dev mode) starting Prometheus at the same moment may be the one that reaps it: the outcome
            // is asserted, not which start brought it about.
            using var exited = new CancellationTokenSource(ExitWait);
            await abandoned.WaitForExitAsync(exited.Token);
            await Eventually.TrueAsync(() => !Directory.Exists(abandonedDirectory), $"{abandonedDirectory} of the killed owner is still there", ExitWait);
            Assert.DoesNotContain(kept.Id, started.Reaped);
            Assert.False(kept.HasExited, "the Prometheus of an owner that still runs was killed");
            Assert.True(Directory.Exists(keptDirectory), $"{keptDirectory} of an owner that still runs was deleted");
        }
        finally
        {
            foreach (var process in new[] { abandoned, kept, liveOwner })
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }

            if (Directory.Exists(keptDirectory))
            {
                Directory.Delete(keptDirectory, recursive: true);
            }
        }
    }

    private static Process Sleeper() => Process.Start("sleep", "600");

    /// <summary>A working directory laid out as <see cref="AbandonedPrometheus.CreateWorkingDirectory"/> does, owned by <paramref name="owner"/>.</summary>
    private static string WorkingDirectoryOf(Process owner)
    {
        var directory = Directory.CreateTempSubdirectory(AbandonedPrometheus.DirectoryPrefix).FullName;
        var identity = ProcessIdentity.Of(owner.Id) ?? throw new InvalidOperationException($"sleep (pid {owner.Id}) is not running");
        File.WriteAllText(Path.Combine(directory, AbandonedPrometheus.OwnerFileName), identity.ToString());
        File.WriteAllText(Path.Combine(directory, "prometheus.yml"), "{}");
        return directory;
    }

    private static Process Prometheus(string directory)
    {
        var start = new ProcessStartInfo("prometheus") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { $"--config.file={Path.Combine(directory, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", "--web.listen-address=127.0.0.1:0" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
