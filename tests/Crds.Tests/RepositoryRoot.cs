namespace AgentOperator.Crds.Tests;

/// <summary>The repository checkout the tests run from (the directory holding AgentOperator.sln).</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AgentOperator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"AgentOperator.sln not found above {AppContext.BaseDirectory}");
    }
}
