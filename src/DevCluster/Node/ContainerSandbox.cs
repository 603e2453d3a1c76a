using System.Text;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// How one run of a container is isolated, as runc sets a container up, and the one place its launch line is built:
/// <c>unshare --mount --propagation private -- sh -c SCRIPT sh COMMAND…</c>. The script, run as root in the container's
/// new mount namespace:
/// <list type="number">
/// <item>gives it a private <c>/dev</c>: a tmpfs holding <c>null</c>, <c>zero</c>, <c>random</c>, <c>urandom</c>,
/// <c>full</c> and <c>tty</c> bound from the node's, a <c>shm</c> tmpfs, a new <c>pts</c> instance and the fd links;</item>
/// <item>binds the image's files read-only at its WORKDIR, and each volume (and the termination message file) at its
/// mountPath, deepest last, read-only where asked; a mount point missing on the node is created there, empty;</item>
/// <item>with <c>readOnlyRootFilesystem</c>, remounts every other mount it sees read-only but <c>/proc</c>, <c>/sys</c>
/// and its <c>/dev</c> (a mount the namespace cannot remount stays writable, and the container's log says so);</item>
/// <item>changes to the working directory, checks that the command can be found (else exits 128 naming it, the
/// runtime's StartError), writes <see cref="StartedMarker"/> on stderr and <c>exec</c>s <c>setpriv</c>, which becomes
/// the container's user (<see cref="ContainerIdentity"/>) and executes the command.</item>
/// </list>
/// <c>unshare</c>, <c>sh</c> and <c>setpriv</c> each exec in place, so the command keeps the PID the node started and
/// signals. Needs root and util-linux; nothing native runs in this process. The container's root filesystem is the
/// node's: the image is its files at WORKDIR, not a root of its own.
/// </summary>
internal sealed record ContainerSandbox(
    NodeImage Image,
    string WorkingDirectory,
    IReadOnlyList<BindMount> Mounts,
    ContainerIdentity Identity,
    bool ReadOnlyRootFilesystem,
    string StateDirectory)
{
    private static readonly string[] Devices = ["null", "zero", "random", "urandom", "full", "tty"];
    private static readonly string[] KernelMounts = ["/proc", "/sys", "/dev"];

    /// <summary>The stderr line written once the sandbox is set up, right before the command is executed.</summary>
    public string StartedMarker { get; } = "devcluster-node: executing the container's command " + Guid.NewGuid().ToString("N");

    /// <summary>The pod's network namespace (a path under /run/netns), or null when the pod shares the node's network.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>
    /// The command line that starts <paramref name="command"/> (the container's ENTRYPOINT/CMD or command/args) in this
    /// sandbox; with a pod network, <c>nsenter --net=</c> first enters the pod's namespace (it execs in place too).
    /// </summary>
    public IReadOnlyList<string> LaunchLine(IReadOnlyList<string> command) =>
        [.. NetworkNamespace is null ? [] : (string[])["nsenter", "--net=" + NetworkNamespace, "--"],
            "unshare", "--mount", "--propagation", "private", "--", "sh", "-c", Script(command.Count > 0 ? command[0] : ""), "sh", .. Identity.Setpriv(), .. command];

    private string Script(string executable)
    {
        var script = new StringBuilder("set -e\n");
        var dev = Quote(Path.Combine(StateDirectory, "dev"));

        // The private /dev is put together in a staging folder, then moved over the node's /dev in one step.
        script.Append($"mkdir -p {dev}\nmount -t tmpfs -o nosuid,mode=755,size=65536k tmpfs {dev}\n");
        script.Append($"touch {string.Join(' ', Devices.Select(d => $"{dev}/{d}"))}\nmkdir {dev}/shm {dev}/pts\n");
        foreach (var device in Devices)
        {
            script.Append($"mount --bind /dev/{device} {dev}/{device}\n");
        }

        script.Append($"mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm {dev}/shm\n");
        script.Append($"mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts {dev}/pts\n");
        script.Append($"ln -s pts/ptmx {dev}/ptmx\nln -s /proc/self/fd {dev}/fd\n");
        script.Append($"ln -s /proc/self/fd/0 {dev}/stdin\nln -s /proc/self/fd/1 {dev}/stdout\nln -s /proc/self/fd/2 {dev}/stderr\n");
        script.Append($"mount --move {dev} /dev\n");

        // Every source is first bound into the private /dev, before any mount can hide it: a volume at /tmp would
        // otherwise cover a node directory under /tmp that later sources live in. The staging is unmounted afterwards.
        var sources = (Image.Files is null ? [] : new[] { Image.Files }).Concat(Mounts.Select(m => m.Source)).Distinct(StringComparer.Ordinal).ToList();
        string Staged(string source) => $"{StagingDirectory}/{sources.IndexOf(source).ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        script.Append($"mkdir {StagingDirectory}\n");
        foreach (var source in sources)
        {
            script.Append(Directory.Exists(source) ? $"mkdir {Staged(source)}\n" : $"touch {Staged(source)}\n");
            script.Append($"mount --bind -- {Quote(source)} {Staged(source)}\n");
        }

        var readOnly = new List<string>();
        if (Image.Files is not null)
        {
            script.Append($"mkdir -p -- {Quote(Image.WorkingDirectory)}\nmount --bind -- {Staged(Image.Files)} {Quote(Image.WorkingDirectory)}\n");
            readOnly.Add(Image.WorkingDirectory);
        }

        // Deepest paths last, so a mount inside another volume's mountPath lands on top of it.
        foreach (var mount in Mounts.OrderBy(m => m.Target.Length))
        {
            var target = Quote(mount.Target);
            script.Append(Directory.Exists(mount.Source)
                ? $"mkdir -p -- {target}\n"
                : $"mkdir -p -- {Quote(Path.GetDirectoryName(mount.Target) ?? "/")}\ntouch -- {target}\n");
            script.Append($"mount --bind -- {Staged(mount.Source)} {target}\n");
            if (mount.ReadOnly)
            {
                readOnly.Add(mount.Target);
            }
        }

        foreach (var source in sources)
        {
            script.Append($"umount -- {Staged(source)}\n");
        }

        script.Append($"rm -rf -- {StagingDirectory}\n");

        script.Append($"mkdir -p -- {Quote(WorkingDirectory)} 2>/dev/null || true\n");
        if (ReadOnlyRootFilesystem)
        {
            // Every mount but the kernel's file systems, the private /dev and the volumes (which keep their own mode).
            // mountinfo names mount points by their real path (/var/run/x is /run/x on Debian), so the kept paths are resolved first.
            var kept = KernelMounts.Concat(Mounts.Select(m => m.Target)).ToList();
            for (var i = 0; i < kept.Count; i++)
            {
                script.Append($"keep{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}=$(realpath -m -- {Quote(kept[i])})\n");
            }

            var keep = string.Join('|', kept.Select((_, i) => $"\"$keep{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"").SelectMany(p => new[] { p, p + "/*" }));
            script.Append("while read -r _ _ _ _ mp _; do\n");
            script.Append("  mp=$(printf '%b' \"$mp\")\n");
            script.Append($"  case \"$mp\" in {keep}) continue;; esac\n");
            script.Append("  mount -o remount,bind,ro -- \"$mp\" 2>/dev/null || echo \"readOnlyRootFilesystem: $mp stays writable (it cannot be remounted here)\" >&2\n");
            script.Append("done < /proc/self/mountinfo\n");
        }

        foreach (var target in readOnly)
        {
            script.Append($"mount -o remount,bind,ro -- {Quote(target)}\n");
        }

        script.Append($"cd -- {Quote(WorkingDirectory)}\n");
        var missing = $"exec: \"{executable}\": executable file not found in $PATH";
        script.Append($"command -v -- {Quote(executable)} >/dev/null || {{ echo {Quote(missing)} >&2; exit 128; }}\n");
        script.Append($"echo {Quote(StartedMarker)} >&2\nexec \"$@\"\n");
        return script.ToString();
    }

    // Inside the container's private /dev (a tmpfs only root may write), so nothing the container mounts can cover it.
    private const string StagingDirectory = "/dev/.devcluster-sources";

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
