using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Admission;
using AgentOperator.DevCluster.Api;

namespace AgentOperator.DevCluster.Bootstrap;

/// <summary>
/// The default StorageClass a cluster with the node starts with, as kind installs its <c>standard</c> class:
/// provisioner <see cref="Provisioner"/> (the node's local-path provisioner), reclaimPolicy Delete and
/// volumeBindingMode WaitForFirstConsumer, so a claim is provisioned once a pod that uses it is scheduled.
/// </summary>
internal static class StandardStorageClass
{
    public const string Name = "standard";
    public const string Provisioner = "devcluster.io/local-path";

    public static void Install(ResourceOperations ops) =>
        ops.Create(ops.Registry.Find("storage.k8s.io", "v1", "storageclasses")!, "", new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = Name,
                ["annotations"] = new JsonObject { [DefaultStorageClass.DefaultAnnotation] = "true" },
            },
            ["provisioner"] = Provisioner,
            ["reclaimPolicy"] = "Delete",
            ["volumeBindingMode"] = "WaitForFirstConsumer",
        }, new WriteOptions("kube-apiserver"));
}
