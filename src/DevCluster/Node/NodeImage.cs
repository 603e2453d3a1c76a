namespace AgentOperator.DevCluster.Node;

/// <summary>
/// What the node runs for an image: the image's ENTRYPOINT and CMD as local commands, its WORKDIR (the folder the
/// container starts in, as the container sees it), its ENV and USER, and optionally its files: a local folder the node
/// binds read-only at WORKDIR, so the container reads its image there and nothing else. Without files the container
/// sees the node's folder at WORKDIR. <paramref name="Image"/> is a repository name (<c>busybox</c>,
/// <c>ghcr.io/agentoperator/gateway</c>), which matches every tag and digest of it, or a prefix ending in <c>*</c>.
/// </summary>
public sealed record NodeImage(string Image, IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Cmd, string WorkingDirectory)
{
    /// <summary>The image's ENV; the container's env is applied over it.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The image's USER (<c>uid</c>, <c>uid:gid</c>, <c>name</c> or <c>name:group</c>); null or empty runs as root, as an image without USER.</summary>
    public string? User { get; init; }

    /// <summary>The local folder holding the image's files (the Dockerfile's <c>COPY … /app</c>), bound read-only at WORKDIR; null: none.</summary>
    public string? Files { get; init; }

    /// <summary>Whether <paramref name="image"/> (as a pod names it) is this image; the length of the match ranks it.</summary>
    public int Match(string image)
    {
        if (Image.EndsWith('*'))
        {
            return image.StartsWith(Image[..^1], StringComparison.Ordinal) ? Image.Length : -1;
        }

        var repository = Repository(image);
        return repository == Image || repository == "docker.io/library/" + Image || "docker.io/library/" + repository == Image ? Image.Length : -1;
    }

    // "name:tag", "name@sha256:…" and "host:port/name:tag" all name the repository before the tag or digest.
    private static string Repository(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? name[..colon] : name;
    }
}
