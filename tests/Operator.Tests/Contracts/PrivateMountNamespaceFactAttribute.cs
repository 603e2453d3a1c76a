namespace AgentOperator.Operator.Tests.Contracts;

/// <summary>
/// A test that runs a process in a private mount namespace (<c>unshare -m</c>), which needs root: where this machine
/// cannot, it is reported as skipped with the reason, never as passed. CI and the development machines run as root.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PrivateMountNamespaceFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> UnavailableReason = new(Probe);

    public PrivateMountNamespaceFactAttribute()
    {
        if (UnavailableReason.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "a private mount namespace needs Linux";
        }

        if (Environment.UserName != "root")
        {
            return $"a private mount namespace needs root; this test runs as {Environment.UserName}";
        }

        try
        {
            var probe = PublishedGateway.RunAsync("unshare", ["-m", "--propagation", "private", "true"], "/", null, TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
            return probe.Code == 0 ? null : $"unshare -m does not work here: {probe.Error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return $"unshare is not available: {exception.Message}";
        }
    }
}
