namespace AgentOperator.Manifests.Tests.Infrastructure;

/// <summary>Paths inside the repository, found from the test assembly's location.</summary>
public static class Repository
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The directory holding AgentOperator.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>An absolute path from a repository-relative one (forward slashes).</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The text of a repository file.</summary>
    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentOperator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"AgentOperator.sln not found above {AppContext.BaseDirectory}");
    }
}
