using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace AgentOperator.DevMode.Analysis;

/// <summary>
/// A <see cref="LocalPrometheus"/> outlives its owner when the owner is SIGKILLed (the OOM killer, a CI timeout): it
/// is reparented and keeps its port and its storage. Each working directory therefore names its owner
/// (<see cref="ProcessIdentity"/> in a file), and every start first kills the Prometheus processes whose owner is gone
/// and deletes their directories. Processes and directories of a living owner (a parallel test run, a second dev
/// mode) are left alone; a directory not yet naming its owner is being created and is skipped.
/// </summary>
internal static class AbandonedPrometheus
{
    public const string DirectoryPrefix = "agentoperator-prometheus-";
    public const string OwnerFileName = "owner";

    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(5);

    /// <summary>A new working directory under the temporary directory, naming this process as its owner.</summary>
    public static string CreateWorkingDirectory()
    {
        var directory = Directory.CreateTempSubdirectory(DirectoryPrefix).FullName;
        File.WriteAllText(Path.Combine(directory, OwnerFileName), ProcessIdentity.Current.ToString());
        return directory;
    }

    /// <summary>
    /// Kills every Prometheus started in a working directory whose owner is gone and deletes those directories;
    /// returns the pids killed.
    /// </summary>
    public static async Task<IReadOnlyList<int>> ReapAsync(CancellationToken cancellationToken)
    {
        var abandoned = Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*")
            .Where(directory => Owner(directory) is { } owner && !owner.IsAlive)
            .ToList();
        if (abandoned.Count == 0)
        {
            return [];
        }

        var killed = new List<int>();
        foreach (var (pid, directory) in PrometheusProcesses())
        {
            if (abandoned.Contains(directory, StringComparer.Ordinal) && await KillAsync(pid, cancellationToken))
            {
                killed.Add(pid);
            }
        }

        foreach (var directory in abandoned)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Another start reaping at the same moment, or not ours to delete: the next start tries again.
            }
        }

        return killed;
    }

    private static ProcessIdentity? Owner(string directory)
    {
        try
        {
            return ProcessIdentity.TryParse(File.ReadAllText(Path.Combine(directory, OwnerFileName)), out var owner) ? owner : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Every process whose command line has <c>--config.file=</c> inside a working directory, with that directory.</summary>
    private static IEnumerable<(int Pid, string Directory)> PrometheusProcesses()
    {
        var flag = "--config.file=" + Path.Combine(Path.GetTempPath(), DirectoryPrefix);
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(entry, "cmdline"));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (commandLine.Split('\0').FirstOrDefault(a => a.StartsWith(flag, StringComparison.Ordinal)) is { } config)
            {
                yield return (pid, Path.GetDirectoryName(config["--config.file=".Length..])!);
            }
        }
    }

    private static async Task<bool> KillAsync(int pid, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(ExitWait);
            await process.WaitForExitAsync(bounded.Token);
            return true;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or Win32Exception)
        {
            // Gone already, or not ours to signal.
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Signalled but still exiting: killed all the same.
            return true;
        }
    }
}
