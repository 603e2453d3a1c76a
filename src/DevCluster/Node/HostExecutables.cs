namespace AgentOperator.DevCluster.Node;

/// <summary>The host's executables, found on PATH as a shell finds them: the node's ip and iptables, dev mode's kubectl and prometheus.</summary>
public static class HostExecutables
{
    private const string DefaultPath = "/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The full path of <paramref name="name"/> in the first PATH directory holding it, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? DefaultPath).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
