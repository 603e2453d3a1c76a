using System.Diagnostics;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// Publishes the project's images' programs as the Dockerfile does (<c>dotnet publish -c Release -p:UseAppHost=false</c>)
/// into a cache folder, one subfolder per target, once: a later call finds the <c>.published</c> marker and returns.
/// </summary>
public static class ProjectPublisher
{
    private const string Marker = ".published";
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Publishes <paramref name="targets"/> (Dockerfile target names) and returns the image map over the cache.</summary>
    public static async Task<NodeImageMap> PublishAsync(string repositoryRoot, string cacheDirectory, IEnumerable<string> targets, CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            foreach (var image in ProjectImages.All.Where(i => targets.Contains(i.Target)))
            {
                var output = Path.Combine(cacheDirectory, image.Target);
                if (File.Exists(Path.Combine(output, Marker)))
                {
                    continue;
                }

                await PublishAsync(repositoryRoot, image, output, ct);
                await File.WriteAllTextAsync(Path.Combine(output, Marker), "", ct);
            }
        }
        finally
        {
            Gate.Release();
        }

        return ProjectImages.Map(cacheDirectory);
    }

    private static async Task PublishAsync(string repositoryRoot, ProjectImage image, string output, CancellationToken ct)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = repositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "publish", Path.Combine(repositoryRoot, image.Project), "-c", "Release", "-o", output, "-p:UseAppHost=false", "-nologo" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {image.Project} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }
    }
}
