using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// One run of a container: an OS process started from its <see cref="ContainerSandbox"/>'s launch line, with stdout and
/// stderr captured line by line into its CRI log file. The launch line execs in place down to the container's command,
/// so <see cref="Id"/> is the PID of the container's process; just before that last exec it writes its started marker
/// on stderr, which completes <see cref="Started"/> instead of going into the log.
/// </summary>
internal sealed class ContainerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TimeProvider _time;
    private readonly string _startedMarker;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ContainerProcess(Process process, StreamWriter log, TimeProvider time, string startedMarker)
    {
        _process = process;
        _log = log;
        _time = time;
        _startedMarker = startedMarker;
    }

    public int Id => _process.Id;

    /// <summary>The exit code once the process ended and its output is in the log (128 + signal when a signal ended it).</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>True once the container's command was executed (its sandbox is set up), false when the process ended before.</summary>
    public Task<bool> Started => _started.Task;

    /// <summary>The last line written to stderr (before <see cref="Started"/>: why the sandbox could not be set up).</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Starts <paramref name="launchLine"/> with exactly <paramref name="environment"/>, or throws <see cref="Win32Exception"/>
    /// when it cannot be run; <paramref name="startedMarker"/> is the stderr line that says the command is being executed.
    /// </summary>
    public static ContainerProcess Start(IReadOnlyList<string> launchLine, string startedMarker, IReadOnlyDictionary<string, string> environment, string logPath, TimeProvider time)
    {
        // The sandbox changes to the container's working directory itself, once its mounts are in place.
        var info = new ProcessStartInfo(launchLine[0]) { WorkingDirectory = "/", RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in launchLine.Skip(1))
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
        var running = new ContainerProcess(process, log, time, startedMarker);
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
            running._started.TrySetResult(false);
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

        if (stream == "stderr" && !_started.Task.IsCompleted)
        {
            if (text == _startedMarker)
            {
                _started.TrySetResult(true);
                return;
            }
        }

        if (stream == "stderr")
        {
            LastError = text;
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
}
