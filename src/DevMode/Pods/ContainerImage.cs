namespace AgentOperator.DevMode.Pods;

/// <summary>Image references, compared by repository: <c>ghcr.io/agentoperator/gateway:0.1.0</c> and <c>…/gateway@sha256:…</c> are the same program.</summary>
internal static class ContainerImage
{
    /// <summary>The repository of <paramref name="image"/>, without tag or digest.</summary>
    public static string Repository(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? image : image[..at];
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        return colon > slash ? name[..colon] : name;
    }

    /// <summary>True when <paramref name="image"/> is from <paramref name="repository"/>.</summary>
    public static bool IsFrom(string image, string repository) =>
        string.Equals(Repository(image), repository, StringComparison.Ordinal);
}
