using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Bootstrap;
using AgentOperator.DevCluster.Simulation;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// The node's local-path provisioner (as rancher's local-path-provisioner in kind): a claim's volume is a folder
/// <c>pvc-UID_NAMESPACE_NAME</c> under <paramref name="directory"/>, made 0777 so any user can write it, and its
/// PersistentVolume <c>pvc-UID</c> a <c>local</c> volume pinned to the node (the kubelet gives local volumes, unlike
/// hostPath ones, to the pod's fsGroup), pre-bound to the claim. Deleting a volume removes its folder.
/// </summary>
internal sealed class LocalPathProvisioner(string directory)
{
    public const string ProvisionedByAnnotation = "pv.kubernetes.io/provisioned-by";

    /// <summary>Makes the claim's folder and returns its PersistentVolume, to be created.</summary>
    public JsonObject Provision(JsonObject claim, JsonObject storageClass)
    {
        var ns = claim.Str("metadata", "namespace") ?? "";
        var name = claim.Str("metadata", "name") ?? "";
        var uid = claim.Str("metadata", "uid") ?? "";
        var path = Path.Combine(directory, $"pvc-{uid}_{ns}_{name}");
        var folder = Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            folder.UnixFileMode = (UnixFileMode)0b111_111_111; // 0777, as local-path-provisioner makes it
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = $"pvc-{uid}",
                ["annotations"] = new JsonObject { [ProvisionedByAnnotation] = StandardStorageClass.Provisioner },
            },
            ["spec"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["storage"] = claim.Str("spec", "resources", "requests", "storage") },
                ["accessModes"] = claim.At("spec", "accessModes")?.DeepClone(),
                ["persistentVolumeReclaimPolicy"] = storageClass.Str("reclaimPolicy") ?? "Delete",
                ["storageClassName"] = storageClass.Str("metadata", "name"),
                ["volumeMode"] = claim.Str("spec", "volumeMode") ?? "Filesystem",
                ["local"] = new JsonObject { ["path"] = path },
                ["nodeAffinity"] = new JsonObject
                {
                    ["required"] = new JsonObject
                    {
                        ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                        {
                            ["matchExpressions"] = new JsonArray(new JsonObject
                            {
                                ["key"] = "kubernetes.io/hostname", ["operator"] = "In", ["values"] = new JsonArray(PodLifecycleController.NodeName),
                            }),
                        }),
                    },
                },
                ["claimRef"] = new JsonObject
                {
                    ["kind"] = "PersistentVolumeClaim",
                    ["namespace"] = ns,
                    ["name"] = name,
                    ["uid"] = uid,
                    ["apiVersion"] = "v1",
                    ["resourceVersion"] = claim.Str("metadata", "resourceVersion"),
                },
            },
        };
    }

    /// <summary>Whether this provisioner made the volume (only those are deleted by it).</summary>
    public static bool Provisioned(JsonObject volume) => volume.Str("metadata", "annotations", ProvisionedByAnnotation) == StandardStorageClass.Provisioner;

    /// <summary>Removes the volume's folder (only one under this provisioner's directory).</summary>
    public void Delete(JsonObject volume)
    {
        var path = volume.Str("spec", "local", "path");
        if (path is null || !Path.GetFullPath(path).StartsWith(Path.GetFullPath(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
