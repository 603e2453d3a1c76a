using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The ServiceAccount admission plugin's token mount (k8s.io/kubernetes plugin/pkg/admission/serviceaccount):
/// on pod create, unless the pod or its ServiceAccount turns automountServiceAccountToken off, every container and
/// init container without a mount at <see cref="MountPath"/> gets the <c>kube-api-access-xxxxx</c> projected volume
/// (a bound token valid 3607 s, <c>kube-root-ca.crt</c>'s ca.crt, the namespace) mounted read-only there.
/// </summary>
internal static class ServiceAccountTokenVolume
{
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
    private const string VolumePrefix = "kube-api-access-";

    /// <param name="pod">The pod being created, with spec.serviceAccountName already set.</param>
    /// <param name="serviceAccountAutomount">The ServiceAccount's automountServiceAccountToken (null when unset or the account is not there yet).</param>
    public static void Mount(JsonObject pod, bool? serviceAccountAutomount)
    {
        var spec = pod.Obj("spec");
        if (!(spec.Bool("automountServiceAccountToken") ?? serviceAccountAutomount ?? true))
        {
            return;
        }

        var volumes = spec["volumes"] as JsonArray ?? [];
        var existing = volumes.OfType<JsonObject>().FirstOrDefault(v => v.Str("name")?.StartsWith(VolumePrefix, StringComparison.Ordinal) == true);
        var volumeName = existing?.Str("name") ?? ObjectNames.Generate(VolumePrefix);
        var needsVolume = false;
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var container in (spec[list] as JsonArray ?? []).OfType<JsonObject>())
            {
                var mounts = container["volumeMounts"] as JsonArray ?? [];
                if (mounts.Any(m => m.Str("mountPath") == MountPath))
                {
                    continue;
                }

                mounts.Add(new JsonObject { ["name"] = volumeName, ["readOnly"] = true, ["mountPath"] = MountPath });
                container["volumeMounts"] = mounts;
                needsVolume = true;
            }
        }

        if (existing is null && needsVolume)
        {
            volumes.Add(new JsonObject { ["name"] = volumeName, ["projected"] = Source() });
            spec["volumes"] = volumes;
        }
    }

    /// <summary>TokenVolumeSource: defaultMode 420 set explicitly, as the plugin does (kubernetes#104464).</summary>
    private static JsonObject Source() => new()
    {
        ["sources"] = new JsonArray(
            new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = 3607, ["path"] = "token" } },
            new JsonObject
            {
                ["configMap"] = new JsonObject
                {
                    ["name"] = "kube-root-ca.crt",
                    ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }),
                },
            },
            new JsonObject
            {
                ["downwardAPI"] = new JsonObject
                {
                    ["items"] = new JsonArray(new JsonObject
                    {
                        ["path"] = "namespace",
                        ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" },
                    }),
                },
            }),
        ["defaultMode"] = 420,
    };
}
