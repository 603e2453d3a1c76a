using System.Security.Cryptography;
using System.Text;

namespace AgentOperator.Contracts;

/// <summary>
/// The revision's bundle ConfigMap as both sides read it: the operator writes the compiled bundle under
/// <see cref="DataKey"/> with its hash in <see cref="Sha256Annotation"/>; the gateway watches that key.
/// </summary>
public static class BundleConfigMap
{
    /// <summary>Data key of the bundle JSON.</summary>
    public const string DataKey = "bundle.json";

    /// <summary>Annotation (on the ConfigMap and the Deployment) with the lowercase hex SHA-256 of the bundle JSON.</summary>
    public const string Sha256Annotation = "agentoperator.io/bundle-sha256";

    /// <summary>Lowercase hex SHA-256 of the bundle's UTF-8 bytes, the value of <see cref="Sha256Annotation"/>.</summary>
    public static string Sha256(string bundleJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(bundleJson)));
}

/// <summary>A ConfigMap key holding the bundle JSON, as <c>--bundle-configmap NAMESPACE/NAME[/KEY]</c> names it.</summary>
/// <param name="Namespace">Namespace of the ConfigMap.</param>
/// <param name="Name">Name of the ConfigMap.</param>
/// <param name="Key">Data key of the bundle JSON; default <see cref="BundleConfigMap.DataKey"/>.</param>
public sealed record ConfigMapReference(string Namespace, string Name, string Key = BundleConfigMap.DataKey)
{
    /// <summary><c>NAMESPACE/NAME</c>, or <c>NAMESPACE/NAME/KEY</c> when the key is not the default.</summary>
    public override string ToString() => Key == BundleConfigMap.DataKey ? $"{Namespace}/{Name}" : $"{Namespace}/{Name}/{Key}";

    /// <summary>Parses <c>NAMESPACE/NAME[/KEY]</c>; null when it has another shape or an empty part.</summary>
    public static ConfigMapReference? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Split('/') switch
        {
            [{ Length: > 0 } ns, { Length: > 0 } name] => new ConfigMapReference(ns, name),
            [{ Length: > 0 } ns, { Length: > 0 } name, { Length: > 0 } key] => new ConfigMapReference(ns, name, key),
            _ => null,
        };
    }
}
