using System.Text.Json.Nodes;

namespace AgentOperator.DevMode.Pods;

/// <summary>
/// A pod's files on the host: one folder per volume (shared by the containers that mount it) and one root folder
/// per container in which each mount is a symbolic link to its volume. <see cref="HostPath"/> translates a path
/// inside a container the way the container's mounts would. Deleted with the pod.
/// </summary>
internal sealed class PodFilesystem : IDisposable
{
    private PodFilesystem(string root) => Root = root;

    /// <summary>The pod's folder.</summary>
    public string Root { get; }

    /// <summary>Creates a fresh folder for <paramref name="pod"/> under <paramref name="workDirectory"/>.</summary>
    public static PodFilesystem Create(string workDirectory, PodManifest pod)
    {
        var root = Path.Combine(workDirectory, $"{pod.Namespace}_{pod.Name}_{Guid.NewGuid().ToString("N")[..8]}");
        var directory = Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows())
        {
            // Secrets and tokens land here: only this user may read them.
            directory.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }

        return new PodFilesystem(root);
    }

    /// <summary>The folder of the volume named <paramref name="volume"/>.</summary>
    public string VolumeDirectory(string volume) => Path.Combine(Root, "volumes", Safe(volume));

    /// <summary>
    /// Where <paramref name="containerPath"/> (absolute, inside <paramref name="container"/>) is on the host: under the
    /// container's root folder, where each volume mount is a symbolic link to its volume's folder, so that a folder
    /// holding several mounts (the gateway's secrets root) reads as it does inside the container.
    /// </summary>
    public string HostPath(JsonObject container, string containerPath)
    {
        var root = ContainerRoot(container);
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root);
            foreach (var mount in (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>().OrderBy(m => PodManifest.Text(m, "mountPath")?.Length ?? 0))
            {
                var link = Path.Combine(root, (PodManifest.Text(mount, "mountPath") ?? "").Trim('/'));
                var target = Path.Combine(VolumeDirectory(PodManifest.Text(mount, "name") ?? ""), PodManifest.Text(mount, "subPath") ?? "");
                Directory.CreateDirectory(target);
                Directory.CreateDirectory(Path.GetDirectoryName(link)!);
                Directory.CreateSymbolicLink(link, target);
            }
        }

        return Path.Combine(root, containerPath.TrimStart('/'));
    }

    private string ContainerRoot(JsonObject container) => Path.Combine(Root, "containers", Safe(PodManifest.Text(container, "name") ?? "container"));

    /// <summary>Deletes the pod's folder; a file still open elsewhere leaves it for the temp folder's cleanup.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string Safe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_'));
}
