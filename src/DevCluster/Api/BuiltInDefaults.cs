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
                // The ServiceAccount admission plugin names the namespace's default one.
                obj.Obj("spec")["serviceAccountName"] ??= "default";
                PodSpecDefaults.ApplyTolerations(obj.Obj("spec"));
                obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
                break;
            case ("", "secrets"):
                if (string.IsNullOrEmpty(obj.Str("type")))
                {
                    obj["type"] = "Opaque";
                }
                break;
            case ("apps", "deployments" or "replicasets") or ("batch", "jobs"):
                obj.Remove("status");
                break;
            case ("apiextensions.k8s.io", "customresourcedefinitions"):
                obj.Remove("status");
                break;
        }
    }

    /// <summary>
    /// The defaulters kube-apiserver runs on every decoded object, create or update (SetDefaults_Deployment,
    /// SetDefaults_ReplicaSet, SetDefaults_Job, SetDefaults_Pod and the pod spec's): each fills only what is absent.
    /// </summary>
    public static void OnWrite(ResourceType type, JsonObject obj)
    {
        switch (type.Storage.Group, type.Storage.Resource)
        {
            case ("", "pods"):
                var pod = obj.Obj("spec");
                PodSpecDefaults.Apply(pod);
                pod["enableServiceLinks"] ??= true;
                break;
            case ("", "podtemplates"):
                PodSpecDefaults.Apply(obj.Obj("template").Obj("spec"));
                break;
            case ("apps", "deployments"):
                var d = obj.Obj("spec");
                d["replicas"] ??= 1;
                d["revisionHistoryLimit"] ??= 10;
                d["progressDeadlineSeconds"] ??= 600;
                var strategy = d.Obj("strategy");
                strategy["type"] ??= "RollingUpdate";
                if (strategy.Str("type") == "RollingUpdate")
                {
                    var rolling = strategy.Obj("rollingUpdate");
                    rolling["maxUnavailable"] ??= "25%";
                    rolling["maxSurge"] ??= "25%";
                }

                PodSpecDefaults.Apply(d.Obj("template").Obj("spec"));
                break;
            case ("apps", "replicasets" or "statefulsets" or "daemonsets"):
                if (type.Storage.Resource == "replicasets")
                {
                    obj.Obj("spec")["replicas"] ??= 1;
                }

                PodSpecDefaults.Apply(obj.Obj("spec").Obj("template").Obj("spec"));
                break;
            case ("batch", "jobs"):
                DefaultJob(obj.Obj("spec"));
                break;
            case ("batch", "cronjobs"):
                DefaultJob(obj.Obj("spec").Obj("jobTemplate").Obj("spec"));
                break;
        }
    }

    /// <summary>SetDefaults_Job (JobPodReplacementPolicy is on in 1.32).</summary>
    private static void DefaultJob(JsonObject j)
    {
        if (j["completions"] is null && j["parallelism"] is null)
        {
            j["completions"] = 1;
        }

        j["parallelism"] ??= 1;
        j["backoffLimit"] ??= j["backoffLimitPerIndex"] is null ? 6 : int.MaxValue;
        j["completionMode"] ??= "NonIndexed";
        j["suspend"] ??= false;
        j["podReplacementPolicy"] ??= j["podFailurePolicy"] is null ? "TerminatingOrFailed" : "Failed";
        PodSpecDefaults.Apply(j.Obj("template").Obj("spec"));
    }
}
