using System.Text.RegularExpressions;

namespace AgentOperator.DevCluster.Discovery;

/// <summary>Kubernetes version ordering (v1 &gt; v1beta2 &gt; v1beta1 &gt; v1alpha1 &gt; others), which picks the preferred version.</summary>
internal static partial class VersionPriority
{
    public static IOrderedEnumerable<string> Sort(IEnumerable<string> versions) =>
        versions.OrderByDescending(Rank).ThenBy(v => v, StringComparer.Ordinal);

    private static long Rank(string version)
    {
        var m = KubeVersion().Match(version);
        if (!m.Success)
        {
            return 0;
        }

        var major = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var stage = m.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
        var minor = m.Groups[3].Success ? long.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (stage * 1_000_000) + (major * 1000) + minor;
    }

    [GeneratedRegex(@"^v(\d+)(?:(alpha|beta)(\d+))?$")]
    private static partial Regex KubeVersion();
}
