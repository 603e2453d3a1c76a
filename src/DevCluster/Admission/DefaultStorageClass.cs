using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Admission;

/// <summary>
/// kube-apiserver's DefaultStorageClass admission plugin: a claim created with no <c>storageClassName</c> (absent, not
/// <c>""</c>, which asks for no class) and no beta class annotation gets the default StorageClass, the one annotated
/// <c>storageclass.kubernetes.io/is-default-class: "true"</c> (or its beta form); with several, the newest, then the
/// first by name, as GetDefaultClass picks. Without a default class the claim is left as it is.
/// </summary>
internal static class DefaultStorageClass
{
    public const string DefaultAnnotation = "storageclass.kubernetes.io/is-default-class";
    private const string BetaDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class";
    private const string BetaClassAnnotation = "volume.beta.kubernetes.io/storage-class";
    private static readonly GroupResource StorageClasses = new("storage.k8s.io", "storageclasses");

    /// <summary>Sets the claim's class to the default one when it names none.</summary>
    public static void Admit(ObjectStore store, JsonObject claim)
    {
        if (claim["spec"] is not JsonObject spec || spec.ContainsKey("storageClassName") && spec["storageClassName"] is not null
            || claim.Str("metadata", "annotations", BetaClassAnnotation) is not null)
        {
            return;
        }

        var defaults = store.List(StorageClasses, null, null).Items
            .Select(c => JsonNodeExtensions.ParseObject(c.Json))
            .Where(c => c.Str("metadata", "annotations", DefaultAnnotation) == "true" || c.Str("metadata", "annotations", BetaDefaultAnnotation) == "true")
            .OrderByDescending(c => c.Str("metadata", "creationTimestamp"), StringComparer.Ordinal)
            .ThenBy(c => c.Str("metadata", "name"), StringComparer.Ordinal)
            .FirstOrDefault();
        if (defaults?.Str("metadata", "name") is { } name)
        {
            spec["storageClassName"] = name;
        }
    }
}
