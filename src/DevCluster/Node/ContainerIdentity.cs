using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// Who a container's processes run as, resolved as the kubelet and containerd resolve it: <c>runAsUser</c> and
/// <c>runAsGroup</c> (the container's securityContext over the pod's), else the image's USER (<c>uid</c>,
/// <c>uid:gid</c>, <c>name</c>, <c>name:group</c>) looked up in the image's <c>/etc/passwd</c> and <c>/etc/group</c>
/// (the node's: the containers share its root filesystem). A uid without a group takes its passwd entry's group, else 0.
/// <see cref="Groups"/> are the primary group, the groups that list the user in <c>/etc/group</c>, <c>fsGroup</c> and
/// <c>supplementalGroups</c>; <see cref="Home"/> the passwd entry's home, else <c>/</c>. Root keeps containerd's default
/// capabilities (plus <c>capabilities.add</c>, minus <c>capabilities.drop</c>) unless the container is privileged.
/// </summary>
internal sealed record ContainerIdentity(long Uid, long Gid, IReadOnlyList<long> Groups, string Home)
{
    /// <summary>containerd's default capability set for containers (without CAP_ prefix, as setpriv names them).</summary>
    public static IReadOnlyList<string> DefaultCapabilities { get; } =
    [
        "chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid", "setuid", "setfcap", "setpcap",
        "net_bind_service", "sys_chroot", "kill", "audit_write",
    ];

    /// <summary>The capability bounding set, or null to keep every capability (a privileged container).</summary>
    public IReadOnlyList<string>? Capabilities { get; init; } = DefaultCapabilities;

    /// <summary><c>allowPrivilegeEscalation: false</c>: the process and its children cannot gain privileges (no_new_privs).</summary>
    public bool NoNewPrivileges { get; init; }

    /// <summary>
    /// The <c>setpriv</c> command line that becomes this identity and then executes what follows it: real and effective
    /// uid and gid, exactly <see cref="Groups"/>, the bounding set and no_new_privs.
    /// </summary>
    public IReadOnlyList<string> Setpriv()
    {
        List<string> line =
        [
            "setpriv",
            "--reuid=" + Uid.ToString(CultureInfo.InvariantCulture),
            "--regid=" + Gid.ToString(CultureInfo.InvariantCulture),
            "--groups=" + string.Join(',', Groups.Select(g => g.ToString(CultureInfo.InvariantCulture))),
        ];
        if (Capabilities is not null)
        {
            line.Add("--bounding-set=" + string.Join(',', ["-all", .. Capabilities.Select(c => "+" + c)]));
        }

        if (NoNewPrivileges)
        {
            line.Add("--no-new-privs");
        }

        line.Add("--");
        return line;
    }

    /// <summary>
    /// The identity of <paramref name="container"/> of <paramref name="pod"/> running <paramref name="image"/>, or a
    /// <see cref="ContainerConfigException"/> when the kubelet would refuse to create it (runAsNonRoot not verifiable)
    /// or containerd could not (an unknown user name).
    /// </summary>
    public static ContainerIdentity Resolve(JsonObject pod, JsonObject container, NodeImage image, string etc = "/etc")
    {
        var podContext = pod.At("spec", "securityContext") as JsonObject;
        var context = container["securityContext"] as JsonObject;
        var runAsUser = context.Long("runAsUser") ?? podContext.Long("runAsUser");
        var runAsGroup = context.Long("runAsGroup") ?? podContext.Long("runAsGroup");
        var runAsNonRoot = context.Bool("runAsNonRoot") ?? podContext.Bool("runAsNonRoot");
        var (imageUser, imageGroup) = Split(image.User);
        if (runAsNonRoot == true)
        {
            VerifyRunAsNonRoot(pod, container, runAsUser, imageUser);
        }

        var users = Read(Path.Combine(etc, "passwd"));
        var groups = Read(Path.Combine(etc, "group"));
        string[]? entry;
        long uid = 0;
        if (runAsUser is { } asUser)
        {
            uid = asUser;
            entry = users.FirstOrDefault(u => u[2] == uid.ToString(CultureInfo.InvariantCulture));
        }
        else if (imageUser.Length == 0 || long.TryParse(imageUser, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            // An image without USER runs as root.
            entry = users.FirstOrDefault(u => u[2] == uid.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            entry = users.FirstOrDefault(u => u[0] == imageUser)
                ?? throw new ContainerConfigException($"unable to find user {imageUser}: no matching entries in passwd file", "CreateContainerError");
            uid = long.Parse(entry[2], CultureInfo.InvariantCulture);
        }

        // runAsGroup, else the image's group (unless runAsUser replaced the image's user), else the user's passwd group, else 0.
        var gid = runAsGroup
            ?? (imageGroup is not null && runAsUser is null ? Group(groups, imageGroup)
            : entry is not null ? long.Parse(entry[3], CultureInfo.InvariantCulture) : 0);

        // Supplementary groups as containerd sets them: the primary group, the user's memberships in /etc/group, then
        // the pod's fsGroup and supplementalGroups (kernel order does not matter; sorted for a stable command line).
        var name = entry?[0];
        var memberships = name is null ? [] : groups.Where(g => g[3].Split(',').Contains(name) && g[0] != name).Select(g => long.Parse(g[2], CultureInfo.InvariantCulture));
        var extra = (podContext?["supplementalGroups"] as JsonArray ?? []).Select(g => (long)g!).Concat(podContext.Long("fsGroup") is { } fs ? [fs] : []);
        var all = new[] { gid }.Concat(memberships).Concat(extra).Distinct().Order().ToList();
        return new ContainerIdentity(uid, gid, all, entry is { Length: > 5 } && entry[5].Length > 0 ? entry[5] : "/")
        {
            Capabilities = context.Bool("privileged") == true ? null : BoundingSet(context),
            NoNewPrivileges = context.Bool("allowPrivilegeEscalation") == false,
        };
    }

    // The kubelet's verifyRunAsNonRoot (kuberuntime/security_context_others.go), with its messages.
    private static void VerifyRunAsNonRoot(JsonObject pod, JsonObject container, long? runAsUser, string imageUser)
    {
        var who = $"(pod: \"{pod.Str("metadata", "name")}_{pod.Str("metadata", "namespace")}({pod.Str("metadata", "uid")})\", container: {container.Str("name")})";
        if (runAsUser is not null)
        {
            if (runAsUser == 0)
            {
                throw new ContainerConfigException("container's runAsUser breaks non-root policy " + who);
            }

            return;
        }

        // An image without USER runs as root.
        if (imageUser.Length == 0 || imageUser == "0")
        {
            throw new ContainerConfigException("container has runAsNonRoot and image will run as root " + who);
        }

        if (!long.TryParse(imageUser, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new ContainerConfigException($"container has runAsNonRoot and image has non-numeric user ({imageUser}), cannot verify user is non-root {who}");
        }
    }

    private static List<string> BoundingSet(JsonObject? context)
    {
        static IEnumerable<string> Names(JsonNode? list) =>
            (list as JsonArray ?? []).Select(c => (c?.ToString() ?? "").ToLowerInvariant()).Select(c => c.StartsWith("cap_", StringComparison.Ordinal) ? c[4..] : c);

        var drop = Names(context.At("capabilities", "drop")).ToHashSet(StringComparer.Ordinal);
        var kept = drop.Contains("all") ? [] : DefaultCapabilities.Where(c => !drop.Contains(c));
        return kept.Concat(Names(context.At("capabilities", "add")).Where(c => c != "all")).Distinct().ToList();
    }

    private static long Group(List<string[]> groups, string group) =>
        long.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var gid) ? gid
        : groups.FirstOrDefault(g => g[0] == group) is { } entry ? long.Parse(entry[2], CultureInfo.InvariantCulture)
        : throw new ContainerConfigException($"unable to find group {group}: no matching entries in group file", "CreateContainerError");

    private static (string User, string? Group) Split(string? user)
    {
        var colon = (user ?? "").IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (user ?? "", null) : (user![..colon], user[(colon + 1)..]);
    }

    // passwd (name:x:uid:gid:gecos:home:shell) and group (name:x:gid:members) entries with numeric ids.
    private static List<string[]> Read(string path) => File.Exists(path)
        ? File.ReadAllLines(path).Select(l => l.Split(':')).Where(f => f.Length >= 4 && long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)).ToList()
        : [];
}
