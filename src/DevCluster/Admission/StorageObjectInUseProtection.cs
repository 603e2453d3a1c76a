using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Admission;

/// <summary>
/// kube-apiserver's StorageObjectInUseProtection admission plugin: every new claim gets the
/// <c>kubernetes.io/pvc-protection</c> finalizer and every new volume <c>kubernetes.io/pv-protection</c>, so neither
/// goes while in use; the protection controller removes them once it is not.
/// </summary>
internal static class StorageObjectInUseProtection
{
    public const string ClaimFinalizer = "kubernetes.io/pvc-protection";
    public const string VolumeFinalizer = "kubernetes.io/pv-protection";
    private static readonly GroupResource Claims = new("", "persistentvolumeclaims");
    private static readonly GroupResource Volumes = new("", "persistentvolumes");

    public static void Admit(GroupResource resource, JsonObject obj)
    {
        var finalizer = resource == Claims ? ClaimFinalizer : resource == Volumes ? VolumeFinalizer : null;
        if (finalizer is null)
        {
            return;
        }

        var meta = obj.Metadata();
        if (meta["finalizers"] is not JsonArray finalizers)
        {
            finalizers = [];
            meta["finalizers"] = finalizers;
        }

        if (!finalizers.Any(f => (string?)f == finalizer))
        {
            finalizers.Add(finalizer);
        }
    }
}
