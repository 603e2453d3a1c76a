using System.Reflection;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>Where a kind lives in the API: group (empty for the core group), version, plural and kind.</summary>
internal sealed record ResourceKind(string Group, string Version, string Plural, string Kind)
{
    /// <summary><c>group/version</c>, or just <c>version</c> for the core group (<c>v1</c>).</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Reads the kind from <see cref="KubernetesEntityAttribute"/>, which both the client's models and our CRD types carry.</summary>
    public static ResourceKind Of<T>() => Of(typeof(T));

    public static ResourceKind Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var entity = type.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{type.Name} has no [KubernetesEntity] attribute", nameof(type));
        return new(entity.Group ?? string.Empty, entity.ApiVersion, entity.PluralName, entity.Kind);
    }

    /// <summary>True when <paramref name="apiVersion"/> (as written in an ownerReference) names this kind's group, any version.</summary>
    public bool MatchesApiGroupOf(string? apiVersion)
    {
        if (string.IsNullOrEmpty(apiVersion))
        {
            return false;
        }

        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? string.Empty : apiVersion[..slash];
        return string.Equals(group, Group, StringComparison.Ordinal);
    }

    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
