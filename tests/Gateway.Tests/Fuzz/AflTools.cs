namespace AgentOperator.Gateway.Tests.Fuzz;

/// <summary>Where the fuzzing tools are: PATH, then the global dotnet tools folder (where <c>dotnet tool install -g</c> puts sharpfuzz).</summary>
internal static class AflTools
{
    public static string DotnetToolsDirectory => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");

    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(DotnetToolsDirectory)
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);
}
