namespace AgentOperator.DevCluster.Api;

/// <summary>
/// A parsed resource URL: <c>/api/v1/namespaces/{ns}/{resource}/{name}/{subresource}</c> and the
/// <c>/apis/{group}/{version}/…</c> forms, cluster-scoped or namespaced.
/// </summary>
internal sealed record ApiPath(string Group, string Version, string? Namespace, string Resource, string? Name, string? Subresource)
{
    /// <summary>Parses the segments after <c>/api</c> or <c>/apis</c>; null for discovery paths (no resource).</summary>
    public static ApiPath? Parse(bool legacy, string[] segments, Func<string, string, string, bool> isNamespacedResource)
    {
        string group, version;
        int i;
        if (legacy)
        {
            if (segments.Length < 2)
            {
                return null;
            }

            (group, version, i) = ("", segments[0], 1);
        }
        else
        {
            if (segments.Length < 3)
            {
                return null;
            }

            (group, version, i) = (segments[0], segments[1], 2);
        }

        var rest = segments[i..];
        if (rest.Length >= 3 && rest[0] == "namespaces" && isNamespacedResource(group, version, rest[2]))
        {
            return new ApiPath(group, version, rest[1], rest[2], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? string.Join('/', rest[4..]) : null);
        }

        return new ApiPath(group, version, null, rest[0], rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? string.Join('/', rest[2..]) : null);
    }
}
