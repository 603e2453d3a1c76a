using System.Diagnostics;
using System.Globalization;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// Starts a process inside a running container, as <c>runc exec</c> does, for exec probes, exec lifecycle hooks and
/// <c>pods/exec</c>: <c>nsenter --target PID --mount [--net=NETNS] -- env --chdir=DIR setpriv … -- COMMAND…</c>
/// joins the container's mount namespace (and the pod's network namespace when the target names one), changes to the
/// container's working directory as the container sees it, becomes the container's user (uid, gid, groups, bounding
/// set, no_new_privs) and executes the command with the container's environment. Each step execs in place, so the
/// returned process's PID is the command's, and killing it kills the command.
/// </summary>
internal static class ContainerExec
{
    /// <summary>
    /// Starts <paramref name="command"/> in <paramref name="target"/> with stdin, stdout and stderr redirected (the caller
    /// owns the process: it writes stdin or closes it, reads both outputs and disposes it). Throws
    /// <see cref="System.ComponentModel.Win32Exception"/> when nsenter cannot be run; a command that cannot be found
    /// ends the process with setpriv's exit code 127 and its message on stderr.
    /// </summary>
    public static Process Start(ContainerExecTarget target, IReadOnlyList<string> command)
    {
        var line = LaunchLine(target, command);
        var info = new ProcessStartInfo(line[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in line.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        foreach (var (name, value) in target.Environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("nsenter did not start");
    }

    /// <summary>
    /// Runs <paramref name="command"/> in <paramref name="target"/> with no input and waits for it; when
    /// <paramref name="ct"/> is cancelled first (a probe's timeout, a stopping container) the command is killed and
    /// <see cref="OperationCanceledException"/> thrown.
    /// </summary>
    public static async Task<ContainerExecResult> RunAsync(ContainerExecTarget target, IReadOnlyList<string> command, CancellationToken ct)
    {
        using var process = Start(target, command);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended meanwhile.
            }

            throw;
        }

        return new ContainerExecResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The command line that runs <paramref name="command"/> in <paramref name="target"/>.</summary>
    public static IReadOnlyList<string> LaunchLine(ContainerExecTarget target, IReadOnlyList<string> command)
    {
        // nsenter's own --wd would open the folder in the node's mount namespace, so env changes folder once inside.
        List<string> line = ["nsenter", "--target", target.Pid.ToString(CultureInfo.InvariantCulture), "--mount"];
        if (target.NetworkNamespace is not null)
        {
            line.Add("--net=" + target.NetworkNamespace);
        }

        return [.. line, "--", "env", "--chdir=" + target.WorkingDirectory, .. target.Identity.Setpriv(), .. command];
    }
}
