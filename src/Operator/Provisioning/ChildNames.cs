using System.Security.Cryptography;
using System.Text;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// Names and label values of a workflow's children, shortened with a hash suffix where Kubernetes limits
/// them: label values and Service names (DNS-1035 labels) to 63 characters, other names to 253.
/// The same input always yields the same name, so a restarted operator finds what it created.
/// </summary>
public static class ChildNames
{
    /// <summary>Longest label value and Service name.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>
    /// Longest per-revision object name. 253 is the API limit, but a Deployment's ReplicaSets and Pods
    /// append "-&lt;10-char hash&gt;-&lt;5 chars&gt;" to its name, and those must stay within 253 too.
    /// </summary>
    public const int MaxRevisionObjectLength = 253 - 17;

    private const int HashLength = 10;

    /// <summary>Name of every per-revision object (ServiceAccount, Role, RoleBinding, ConfigMap, Deployment, NetworkPolicy): <c>{workflow}-{revision}</c>.</summary>
    public static string RevisionObject(string workflow, string revision) =>
        Fit($"{workflow}-{revision}", MaxRevisionObjectLength);

    /// <summary>The canary revision's eval Job: <c>{workflow}-{revision}-eval</c>, at most 63 characters (its pods carry the name as a label).</summary>
    public static string EvaluationJob(string workflow, string revision) => Fit($"{workflow}-{revision}-eval", MaxLabelLength);

    /// <summary>The Service selecting every pod of the workflow, whatever its revision: <c>{workflow}</c>.</summary>
    public static string WorkflowService(string workflow) => ServiceName(workflow, suffix: "");

    /// <summary>The Service selecting only the stable revision's pods: <c>{workflow}-stable</c>.</summary>
    public static string StableService(string workflow) => ServiceName(workflow, suffix: "-stable");

    /// <summary>The Service selecting only the canary revision's pods: <c>{workflow}-canary</c>.</summary>
    public static string CanaryService(string workflow) => ServiceName(workflow, suffix: "-canary");

    /// <summary>A label value for <paramref name="value"/> (a workflow name or revision id), at most 63 characters.</summary>
    public static string LabelValue(string value) => Fit(value, MaxLabelLength);

    /// <summary>
    /// A DNS-1123 label (lowercase alphanumerics and '-', at most 63) naming a volume for
    /// <paramref name="value"/>, e.g. a Secret name that may contain dots.
    /// </summary>
    public static string VolumeName(string prefix, string value)
    {
        var sanitized = new string(value.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());
        var name = $"{prefix}-{sanitized}";
        // Sanitizing can map two Secrets to one name ("a.b" and "a-b"), so a changed name always gets the hash.
        return string.Equals(sanitized, value, StringComparison.Ordinal) && name.Length <= MaxLabelLength
            ? name
            : $"{Truncate(name, MaxLabelLength - HashLength - 1)}-{Hash(value)}";
    }

    /// <summary><paramref name="value"/> if it fits in <paramref name="max"/>, else a prefix plus '-' and a hash of the whole value.</summary>
    public static string Fit(string value, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, HashLength + 2);
        return value.Length <= max ? value : $"{Truncate(value, max - HashLength - 1)}-{Hash(value)}";
    }

    private static string ServiceName(string workflow, string suffix)
    {
        // Service names are DNS-1035 labels: no dots, and they must start with a letter.
        var name = workflow.Replace('.', '-');
        if (name.Length == 0 || !char.IsAsciiLetterLower(name[0]))
        {
            name = "w" + name;
        }

        var changed = !string.Equals(name, workflow, StringComparison.Ordinal);
        return !changed && name.Length + suffix.Length <= MaxLabelLength
            ? name + suffix
            : $"{Truncate(name, MaxLabelLength - HashLength - 1 - suffix.Length)}-{Hash(workflow)}{suffix}";
    }

    // Label values and names must end with an alphanumeric character.
    private static string Truncate(string value, int length) => value[..Math.Min(length, value.Length)].TrimEnd('-', '.', '_');

    private static string Hash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..HashLength];
}
