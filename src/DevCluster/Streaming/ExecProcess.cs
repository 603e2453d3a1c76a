using System.Diagnostics;
using System.Globalization;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// A command run inside a running container, as a container runtime's exec does: <c>nsenter</c> enters the container
/// process's mount and network namespaces, in its working directory, as its user and group (the process's real uid and
/// gid), with its environment (<c>/proc/PID/environ</c>), so the command sees the container's volumes, loopback and
/// variables. With a TTY the command runs under util-linux <c>script</c>, which gives it a pseudo-terminal of the
/// client's first size; later resizes set that terminal's size with <c>stty</c>, which signals SIGWINCH to it. Host tools only (nsenter, script, stty), as
/// <see cref="Node.ContainerProcess"/> uses. To be unified with the node's own exec launcher (probes) at merge.
/// </summary>
internal sealed class ExecProcess : IDisposable
{
    private readonly Process _process;
    private readonly bool _tty;

    private ExecProcess(Process process, bool tty)
    {
        _process = process;
        _tty = tty;
        Exited = Task.Run(async () =>
        {
            await process.WaitForExitAsync();
            return process.ExitCode;
        });
    }

    public Stream Stdin => _process.StandardInput.BaseStream;

    public Stream Stdout => _process.StandardOutput.BaseStream;

    public Stream Stderr => _process.StandardError.BaseStream;

    /// <summary>The command's exit code (128 + signal when a signal ended it).</summary>
    public Task<int> Exited { get; }

    /// <summary>Starts <paramref name="command"/> in the container whose process is <paramref name="containerPid"/>.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">nsenter cannot be run.</exception>
    /// <exception cref="IOException">The container's process is gone.</exception>
    public static ExecProcess Start(int containerPid, IReadOnlyList<string> command, bool tty, TerminalSize? size)
    {
        var proc = $"/proc/{containerPid.ToString(CultureInfo.InvariantCulture)}";
        var environment = File.ReadAllText(Path.Combine(proc, "environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var (uid, gid) = Identity(File.ReadAllLines(Path.Combine(proc, "status")));
        var info = new ProcessStartInfo("nsenter")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        List<string> args = ["--target", containerPid.ToString(CultureInfo.InvariantCulture), "--mount", "--net", "--wd"];
        if (uid != 0 || gid != 0)
        {
            args.AddRange(["--setgid", gid.ToString(CultureInfo.InvariantCulture), "--setuid", uid.ToString(CultureInfo.InvariantCulture)]);
        }

        args.Add("--");
        args.AddRange(tty ? ["script", "--quiet", "--flush", "--return", "--command", TerminalCommand(command, size), "/dev/null"] : command);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The command sees the container's environment only, never the node's.
        info.Environment.Clear();
        foreach (var variable in environment)
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                info.Environment[variable[..equals]] = variable[(equals + 1)..];
            }
        }

        var process = Process.Start(info) ?? throw new IOException("nsenter did not start");
        return new ExecProcess(process, tty);
    }

    /// <summary>Sets the terminal's size (a TTY exec only); best effort, as the terminal may not exist yet or any more.</summary>
    public async Task ResizeAsync(TerminalSize size, CancellationToken ct)
    {
        if (!_tty)
        {
            return;
        }

        // script's child holds the pseudo-terminal on its stdin; it appears a moment after the start.
        for (var attempt = 0; attempt < 20 && !_process.HasExited; attempt++)
        {
            if (Terminal() is { } pts)
            {
                using var stty = Process.Start(new ProcessStartInfo("stty", ["-F", pts, "rows", size.Height.ToString(CultureInfo.InvariantCulture), "cols", size.Width.ToString(CultureInfo.InvariantCulture)])
                {
                    UseShellExecute = false,
                    RedirectStandardError = true,
                });
                if (stty is not null)
                {
                    await stty.WaitForExitAsync(ct);
                }

                return;
            }

            await Task.Delay(50, ct);
        }
    }

    /// <summary>Ends the command and everything it started (the client left before it ended).</summary>
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
    }

    private string? Terminal()
    {
        try
        {
            var children = File.ReadAllText($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/task/{_process.Id.ToString(CultureInfo.InvariantCulture)}/children")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Select(c => new FileInfo($"/proc/{c}/fd/0").LinkTarget).FirstOrDefault(t => t?.StartsWith("/dev/pts/", StringComparison.Ordinal) == true);
        }
        catch (IOException)
        {
            return null;
        }
    }

    // The real uid and gid of the container's process, as /proc/PID/status lists them ("Uid:\treal\teffective\t…").
    private static (long Uid, long Gid) Identity(string[] status)
    {
        long Field(string name) => status.Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Select(l => long.Parse(l[name.Length..].Split('\t', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture))
            .FirstOrDefault();
        return (Field("Uid:"), Field("Gid:"));
    }

    // script's shell sets the terminal's first size, then becomes the command, so the command starts at that size.
    private static string TerminalCommand(IReadOnlyList<string> command, TerminalSize? size) =>
        (size is { } s ? $"stty rows {s.Height.ToString(CultureInfo.InvariantCulture)} cols {s.Width.ToString(CultureInfo.InvariantCulture)} 2>/dev/null; " : "")
        + "exec " + string.Join(' ', command.Select(Quote));

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
