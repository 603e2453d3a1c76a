using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// One run of a container: an OS process with stdout and stderr captured line by line into its CRI log file. With
/// volume mounts it starts in a private mount namespace: <c>unshare --mount --propagation private</c> runs
/// <c>sh -c</c>, which bind-mounts each volume at its mountPath (remounting read-only ones) and then <c>exec</c>s the
/// command, so the container's process keeps the PID the node signals and the mounts are seen by it alone. This needs
/// root and util-linux, nothing native in this process; <c>sh</c> and <c>mount</c> are the host's. A pod with its own
/// network has every container started through <c>nsenter --net=</c> into the pod's network namespace.
/// </summary>
internal sealed class ContainerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ContainerProcess(Process process, StreamWriter log, TimeProvider time)
    {
        _process = process;
        _log = log;
        _time = time;
    }

    public int Id => _process.Id;

    /// <summary>The exit code once the process ended and its output is in the log (128 + signal when a signal ended it).</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Starts the process, or throws <see cref="Win32Exception"/> when its executable cannot be run.</summary>
    public static ContainerProcess Start(IReadOnlyList<string> command, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        IReadOnlyList<BindMount> mounts, string logPath, TimeProvider time, string? networkNamespace = null)
    {
        List<string> line = mounts.Count == 0 ? [.. command] : ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", MountScript(mounts), "sh", .. command];

        // In the pod's network namespace (nsenter execs in place, so the PID stays the container's).
        line = networkNamespace is null ? line : ["nsenter", "--net=" + networkNamespace, "--", .. line];
        var info = new ProcessStartInfo(line[0]) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in line.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        // The container sees its own environment only, never the node's.
        info.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        var running = new ContainerProcess(process, log, time);
        process.OutputDataReceived += (_, e) => running.Append("stdout", e.Data);
        process.ErrorDataReceived += (_, e) => running.Append("stderr", e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception)
        {
            log.Dispose();
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = Task.Run(async () =>
        {
            await process.WaitForExitAsync();
            process.WaitForExit(); // drains the last output lines into the log
            running._exited.TrySetResult(process.ExitCode);
        });
        return running;
    }

    /// <summary>Sends SIGTERM, as the kubelet does to stop a container.</summary>
    public void Terminate()
    {
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            kill?.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // It already ended.
        }
    }

    /// <summary>SIGKILL to the process and everything it started.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private void Append(string stream, string? text)
    {
        if (text is null)
        {
            return;
        }

        lock (_log)
        {
            try
            {
                _log.WriteLine(new ContainerLogLine(_time.GetUtcNow(), stream, text).Format());
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    // Deepest paths last, so a mount inside another volume's mountPath lands on top of it.
    private static string MountScript(IReadOnlyList<BindMount> mounts)
    {
        var steps = new List<string>();
        foreach (var mount in mounts.OrderBy(m => m.Target.Length))
        {
            var target = Quote(mount.Target);
            steps.Add(Directory.Exists(mount.Source)
                ? $"mkdir -p -- {target}"
                : $"mkdir -p -- {Quote(Path.GetDirectoryName(mount.Target) ?? "/")} && touch -- {target}");
            steps.Add($"mount --bind -- {Quote(mount.Source)} {target}");
            if (mount.ReadOnly)
            {
                steps.Add($"mount -o remount,bind,ro -- {target}");
            }
        }

        return string.Join(" && ", steps) + " && exec \"$@\"";
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
