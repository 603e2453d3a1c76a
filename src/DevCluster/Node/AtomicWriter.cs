using System.Diagnostics;
using System.Globalization;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// Writes a ConfigMap, Secret or projected volume as the kubelet's AtomicWriter does: the payload goes into a new
/// timestamped folder, the <c>..data</c> symlink is swapped to it in one rename, and each top-level entry is a symlink
/// through <c>..data</c>, so a reader never sees half an update.
/// </summary>
internal static class AtomicWriter
{
    private const string DataLink = "..data";

    /// <summary>
    /// Writes <paramref name="payload"/> (relative path → content and mode) unless the volume already holds exactly it;
    /// <paramref name="setPermissions"/> runs on the volume once the new files are written, before they become visible.
    /// </summary>
    public static void Write(string directory, IReadOnlyDictionary<string, VolumeFile> payload, TimeProvider time, Action<string>? setPermissions = null)
    {
        Directory.CreateDirectory(directory);
        var current = Path.Combine(directory, DataLink);
        if (Directory.Exists(current) && Holds(current, payload))
        {
            return;
        }

        var stamp = ".." + time.GetUtcNow().UtcDateTime.ToString("yyyy_MM_dd_HH_mm_ss.fffffff", CultureInfo.InvariantCulture);
        var target = Path.Combine(directory, stamp);
        Directory.CreateDirectory(target);
        foreach (var (path, file) in payload)
        {
            var full = Path.Combine(target, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, file.Content);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(full, (UnixFileMode)file.Mode);
            }
        }

        setPermissions?.Invoke(directory);
        var previous = Directory.Exists(current) ? new DirectoryInfo(current).LinkTarget : null;
        var temporary = Path.Combine(directory, "..data_tmp");
        File.Delete(temporary);
        File.CreateSymbolicLink(temporary, stamp);
        Rename(temporary, current);

        var visible = payload.Keys.Select(p => p.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in visible.Where(e => !Path.Exists(Path.Combine(directory, e))))
        {
            File.CreateSymbolicLink(Path.Combine(directory, entry), Path.Combine(DataLink, entry));
        }

        foreach (var stale in Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).Where(e => !e!.StartsWith("..", StringComparison.Ordinal) && !visible.Contains(e)))
        {
            File.Delete(Path.Combine(directory, stale!));
        }

        if (previous is not null && previous != stamp)
        {
            Directory.Delete(Path.Combine(directory, previous), recursive: true);
        }
    }

    private static bool Holds(string current, IReadOnlyDictionary<string, VolumeFile> payload)
    {
        var existing = Directory.EnumerateFiles(current, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(current, f)).ToHashSet(StringComparer.Ordinal);
        return existing.SetEquals(payload.Keys) && payload.All(p =>
            File.ReadAllBytes(Path.Combine(current, p.Key)).AsSpan().SequenceEqual(p.Value.Content) &&
            (OperatingSystem.IsWindows() || (int)File.GetUnixFileMode(Path.Combine(current, p.Key)) == p.Value.Mode));
    }

    // rename(2) over the old symlink is the atomic swap; File.Move refuses a destination that resolves to a folder.
    private static void Rename(string from, string to)
    {
        using var mv = Process.Start(new ProcessStartInfo("mv", ["-T", from, to]) { UseShellExecute = false }) ?? throw new IOException("mv did not start");
        mv.WaitForExit();
        if (mv.ExitCode != 0)
        {
            throw new IOException($"mv -T {from} {to} failed ({mv.ExitCode})");
        }
    }
}
