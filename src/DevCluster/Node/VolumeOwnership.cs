using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// The pod's <c>fsGroup</c> applied to a volume as the kubelet's SetVolumeOwnership does (pkg/volume/volume_linux.go)
/// for emptyDir, ConfigMap, Secret, downwardAPI and projected volumes: every file and folder becomes group-owned by
/// fsGroup (the owner stays root), files gain owner and group read (<c>0440</c>) and, in writable volumes, write
/// (<c>0660</c>), folders also search and setgid, so what a container creates in them inherits the group. Volumes the
/// kubelet writes (ConfigMap, Secret, downwardAPI, projected) are read-only ones. Symlinks keep their mode. Without
/// fsGroup nothing changes.
/// </summary>
internal sealed class VolumeOwnership(long? fsGroup)
{
    private const UnixFileMode ReadMask = UnixFileMode.UserRead | UnixFileMode.GroupRead;
    private const UnixFileMode WriteMask = UnixFileMode.UserWrite | UnixFileMode.GroupWrite;
    private const UnixFileMode SearchMask = UnixFileMode.UserExecute | UnixFileMode.GroupExecute;

    public long? FsGroup => fsGroup;

    /// <summary>
    /// The mode a file of a kubelet-written (read-only) volume ends with once owned: its payload mode plus group read.
    /// Written with this mode at once, the volume holds exactly its payload on the next sync and is not rewritten.
    /// </summary>
    public int FileMode(int mode) => fsGroup is null ? mode : mode | (int)ReadMask;

    /// <summary>Gives <paramref name="directory"/> and everything in it to fsGroup (see the class summary).</summary>
    public void Apply(string directory, bool readOnly)
    {
        if (fsGroup is not { } group || OperatingSystem.IsWindows())
        {
            return;
        }

        // chgrp -h changes symlinks themselves and -R does not follow them: lchown of every entry, as the kubelet's walk.
        using (var chgrp = Process.Start(new ProcessStartInfo("chgrp", ["-R", "-h", "--", group.ToString(CultureInfo.InvariantCulture), directory]) { UseShellExecute = false, RedirectStandardError = true })
            ?? throw new IOException("chgrp did not start"))
        {
            var error = chgrp.StandardError.ReadToEnd();
            chgrp.WaitForExit();
            if (chgrp.ExitCode != 0)
            {
                throw new IOException($"chgrp {group} {directory} failed ({chgrp.ExitCode}): {error}");
            }
        }

        var mask = ReadMask | (readOnly ? 0 : WriteMask);
        Chmod(new DirectoryInfo(directory), mask);
    }

    [UnsupportedOSPlatform("windows")]
    private static void Chmod(DirectoryInfo directory, UnixFileMode mask)
    {
        directory.UnixFileMode |= mask | SearchMask | UnixFileMode.SetGroup;
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null)
            {
                continue;
            }

            if (entry is DirectoryInfo folder)
            {
                Chmod(folder, mask);
            }
            else
            {
                entry.UnixFileMode |= mask;
            }
        }
    }
}
