using System.Diagnostics;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// Publishes the project's images' programs as the Dockerfile does (<c>dotnet publish -c Release -p:UseAppHost=false</c>)
/// into a cache folder, one subfolder per target. Each target's <c>.published</c> marker holds the newest write time of
/// the sources it was published from (the folders of its project and of every project it references, and the
/// repository's build files); a later call publishes again only when one of them is newer, so a warm start costs a scan
/// of the sources instead of four publishes.
/// </summary>
public static class ProjectPublisher
{
    private const string Marker = ".published";
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Publishes <paramref name="targets"/> (Dockerfile target names) and returns the image map over the cache.</summary>
    public static async Task<NodeImageMap> PublishAsync(string repositoryRoot, string cacheDirectory, IEnumerable<string> targets, CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        Directory.CreateDirectory(cacheDirectory);
        // Another process (a second dev mode, a parallel test run) may publish into the same cache: one at a time.
        using var cacheLock = await LockAsync(Path.Combine(cacheDirectory, ".lock"), ct);
        try
        {
            foreach (var image in ProjectImages.All.Where(i => targets.Contains(i.Target)))
            {
                var stamp = SourceStamp(repositoryRoot, Path.Combine(repositoryRoot, image.Project));
                var output = Path.Combine(cacheDirectory, image.Target);
                var marker = Path.Combine(output, Marker);
                if (File.Exists(marker) && await File.ReadAllTextAsync(marker, ct) == stamp)
                {
                    continue;
                }

                await PublishAsync(repositoryRoot, image, output, ct);
                await File.WriteAllTextAsync(marker, stamp, ct);
            }
        }
        finally
        {
            Gate.Release();
        }

        return ProjectImages.Map(cacheDirectory);
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            }
        }
    }

    // The newest write time of everything a publish reads: the project's folder and its references' (without build
    // output), and the repository's build files.
    private static string SourceStamp(string repositoryRoot, string project)
    {
        var sources = ProjectClosure(project).SelectMany(p => new DirectoryInfo(Path.GetDirectoryName(p)!).EnumerateFiles("*", SearchOption.AllDirectories))
            .Where(f => !f.FullName.Contains("/bin/", StringComparison.Ordinal) && !f.FullName.Contains("/obj/", StringComparison.Ordinal));
        var buildFiles = new DirectoryInfo(repositoryRoot).EnumerateFiles("Directory.*").Concat(new DirectoryInfo(repositoryRoot).EnumerateFiles("global.json"));
        return sources.Concat(buildFiles).Select(f => f.LastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max().Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    // The project and every project it references, transitively.
    private static HashSet<string> ProjectClosure(string project)
    {
        var closure = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var next))
        {
            if (!closure.Add(next))
            {
                continue;
            }

            foreach (var reference in System.Xml.Linq.XDocument.Load(next).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")?.Value.Replace('\\', '/');
                if (include is not null)
                {
                    pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, include)));
                }
            }
        }

        return closure;
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
