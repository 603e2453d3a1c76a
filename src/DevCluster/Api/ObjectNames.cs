using System.Text.RegularExpressions;

namespace AgentOperator.DevCluster.Api;

/// <summary>Name rules of k8s.io/apimachinery/pkg/util/validation, with their exact messages.</summary>
internal static partial class ObjectNames
{
    private const string SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string GenerateAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>The errors for a name under the rule the resource uses; empty when valid.</summary>
    public static IReadOnlyList<FieldError> Validate(string resource, string name)
    {
        if (resource is "roles" or "rolebindings" or "clusterroles" or "clusterrolebindings")
        {
            return name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('%', StringComparison.Ordinal)
                ? [new FieldError("FieldValueInvalid", "metadata.name", $"Invalid value: \"{name}\": may not contain '/' or '%' and may not be '.' or '..'")]
                : [];
        }

        if (resource is "namespaces" or "services")
        {
            return name.Length <= 63 && Label().IsMatch(name) ? [] : [new FieldError("FieldValueInvalid", "metadata.name", $"Invalid value: \"{name}\": {LabelMessage}")];
        }

        return name.Length <= 253 && Subdomain().IsMatch(name) ? [] : [new FieldError("FieldValueInvalid", "metadata.name", $"Invalid value: \"{name}\": {SubdomainMessage}")];
    }

    /// <summary>generateName + 5 random characters from the alphabet of k8s.io/apiserver's SimpleNameGenerator.</summary>
    public static string Generate(string prefix)
    {
        Span<char> suffix = stackalloc char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = GenerateAlphabet[Random.Shared.Next(GenerateAlphabet.Length)];
        }

        return prefix + new string(suffix);
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();
}
