using System.Diagnostics;
using System.Globalization;
using AgentOperator.DevCluster.Node;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// A command run inside a running container, as a container runtime's exec does: the node's <see cref="ContainerExec"/>
/// enters the container's mount namespace and its pod's network namespace, in its working directory, as its user, with
/// its environment, so the command sees the container's volumes, loopback and variables. With a TTY the command runs under util-linux <c>script</c>, which gives it a pseudo-terminal of the
/// client's first size; later resizes set that terminal's size with <c>stty</c>, which signals SIGWINCH to it. Host tools only (nsenter, script, stty).
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

    /// <summary>Starts <paramref name="command"/> in the running container <paramref name="container"/> (<see cref="ContainerExec"/>).</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">nsenter cannot be run.</exception>
    public static ExecProcess Start(ContainerExecTarget container, IReadOnlyList<string> command, bool tty, TerminalSize? size) =>
        new(ContainerExec.Start(container, tty ? ["script", "--quiet", "--flush", "--return", "--command", TerminalCommand(command, size), "/dev/null"] : command), tty);

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

    // script's shell sets the terminal's first size, then becomes the command, so the command starts at that size.
    private static string TerminalCommand(IReadOnlyList<string> command, TerminalSize? size) =>
        (size is { } s ? $"stty rows {s.Height.ToString(CultureInfo.InvariantCulture)} cols {s.Width.ToString(CultureInfo.InvariantCulture)} 2>/dev/null; " : "")
        + "exec " + string.Join(' ', command.Select(Quote));

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
