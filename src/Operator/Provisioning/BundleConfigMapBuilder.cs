using AgentOperator.Contracts;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>The ConfigMap carrying the compiled policy bundle the revision's gateways enforce.</summary>
public static class BundleConfigMapBuilder
{
    /// <summary>Key of the bundle JSON in the ConfigMap: the contract's <see cref="BundleConfigMap.DataKey"/>.</summary>
    public const string BundleKey = BundleConfigMap.DataKey;

    /// <summary>The bundle ConfigMap, annotated with the bundle's SHA-256 so a reader can check what it got.</summary>
    public static V1ConfigMap Build(RevisionInputs inputs) => new()
    {
        ApiVersion = "v1",
        Kind = V1ConfigMap.KubeKind,
        Metadata = ChildMetadata.ForRevision(inputs, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ChildLabels.BundleSha256Annotation] = BundleSha256(inputs.BundleJson),
        }),
        Data = new Dictionary<string, string>(StringComparer.Ordinal) { [BundleKey] = inputs.BundleJson },
    };

    /// <summary>Lowercase hex SHA-256 of the bundle's UTF-8 bytes.</summary>
    public static string BundleSha256(string bundleJson) => BundleConfigMap.Sha256(bundleJson);
}
