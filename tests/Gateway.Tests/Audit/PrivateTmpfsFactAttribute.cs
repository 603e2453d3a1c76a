using System.Diagnostics;

namespace AgentOperator.Gateway.Tests.Audit;

/// <summary>
/// A test that mounts a small tmpfs in a private mount namespace (<c>unshare -m</c>), which needs root with
/// CAP_SYS_ADMIN: where this machine cannot, the probe's reason makes it skipped, never passed.
/// </summary>
public sealed class PrivateTmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public PrivateTmpfsFactAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "needs root: the store volume is a tmpfs mounted in a private mount namespace (unshare -m)";
        }

        try
        {
            var start = new ProcessStartInfo("unshare") { RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in (string[])["-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"])
            {
                start.ArgumentList.Add(argument);
            }

            using var probe = Process.Start(start)!;
            var error = probe.StandardError.ReadToEnd();
            return probe.WaitForExit(20_000) && probe.ExitCode == 0 ? null : $"a tmpfs cannot be mounted in a private mount namespace here: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return $"unshare is not available: {exception.Message}";
        }
    }
}
