using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The per-kind create/update rules of kube-apiserver's registry strategies and defaulters that clients can
/// observe: namespace phase and finalizer, service cluster IPs, pod phase, workload defaults.
/// </summary>
internal static class BuiltInDefaults
{
    private static int _nextServiceIp = 10;

    public static void OnCreate(ResourceType type, JsonObject obj)
    {
        switch (type.Storage.Group, type.Storage.Resource)
        {
            case ("", "namespaces"):
                obj.Obj("spec")["finalizers"] = new JsonArray("kubernetes");
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                obj.Metadata().Obj("labels")["kubernetes.io/metadata.name"] = obj.Str("metadata", "name");
                break;
            case ("", "services"):
                var spec = obj.Obj("spec");
                spec["type"] ??= "ClusterIP";
                if (spec.Str("clusterIP") is null or "")
                {
                    var n = Interlocked.Increment(ref _nextServiceIp);
                    spec["clusterIP"] = $"10.96.{n / 250 % 250}.{n % 250}";
                    spec["clusterIPs"] = new JsonArray(spec.Str("clusterIP"));
                }

                spec["sessionAffinity"] ??= "None";
                if (spec["ports"] is JsonArray ports)
                {
                    foreach (var p in ports.OfType<JsonObject>())
                    {
                        p["protocol"] ??= "TCP";
                        p["targetPort"] ??= p["port"]?.DeepClone();
                    }
                }

                obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
                break;
            case ("", "pods"):
                obj.Obj("spec")["restartPolicy"] ??= "Always";
                obj.Obj("spec")["serviceAccountName"] ??= "default";
                obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
                break;
            case ("", "secrets"):
                if (string.IsNullOrEmpty(obj.Str("type")))
                {
                    obj["type"] = "Opaque";
                }
                break;
            case ("apps", "deployments"):
                var d = obj.Obj("spec");
                d["replicas"] ??= 1;
                d["revisionHistoryLimit"] ??= 10;
                d["progressDeadlineSeconds"] ??= 600;
                d["strategy"] ??= new JsonObject
                {
                    ["type"] = "RollingUpdate",
                    ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" },
                };
                obj.Remove("status");
                break;
            case ("apps", "replicasets"):
                obj.Obj("spec")["replicas"] ??= 1;
                obj.Remove("status");
                break;
            case ("batch", "jobs"):
                var j = obj.Obj("spec");
                j["completions"] ??= 1;
                j["parallelism"] ??= 1;
                j["backoffLimit"] ??= 6;
                obj.Remove("status");
                break;
            case ("apiextensions.k8s.io", "customresourcedefinitions"):
                obj.Remove("status");
                break;
        }
    }
}
