using System.ComponentModel;
using System.Diagnostics;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// Runs one of the host's networking tools (<c>ip</c>, <c>iptables-restore</c>, <c>iptables-save</c>) to its end, with
/// an optional script on stdin, as the kubelet's CNI plugins and kube-proxy do. A failure names the command and its stderr.
/// </summary>
internal static class HostCommand
{
    /// <summary>The command's stdout; a non-zero exit or a missing tool throws <see cref="NetworkSetupException"/>.</summary>
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> args, string? stdin = null, CancellationToken ct = default)
    {
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new NetworkSetupException($"{file} did not start");
        }
        catch (Win32Exception e)
        {
            throw new NetworkSetupException($"{file}: {e.Message}");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), ct);
            }

            process.StandardInput.Close();
            try
            {
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw;
            }

            if (process.ExitCode != 0)
            {
                throw new NetworkSetupException($"{file} {string.Join(' ', args)}: exit {process.ExitCode}: {(await error).Trim()}");
            }

            return await output;
        }
    }

    /// <summary>Like <see cref="RunAsync"/>, for cleanups: a failure (the thing is already gone) is not an error.</summary>
    public static async Task TryRunAsync(string file, IReadOnlyList<string> args)
    {
        try
        {
            await RunAsync(file, args);
        }
        catch (NetworkSetupException)
        {
        }
    }

    /// <summary>Whether <paramref name="file"/> is an executable on PATH.</summary>
    public static bool Exists(string file) => HostExecutables.Find(file) is not null;
}
