using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The per-kind create/update rules of kube-apiserver's registry strategies and defaulters that clients can
/// observe: namespace phase and finalizer, service cluster IPs, pod phase, the status a new workload, budget or
/// claim starts with, and the workload, claim and volume defaults (pkg/apis/apps|batch|core/v1 defaults.go).
/// </summary>
internal static class BuiltInDefaults
{
    /// <summary>Create-time defaults; <paramref name="allocateClusterIp"/> hands a new Service its ClusterIP.</summary>
    public static void OnCreate(ResourceType type, JsonObject obj, Func<string> allocateClusterIp)
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
                    spec["clusterIP"] = allocateClusterIp();
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

            // The strategies' PrepareForCreate reset status; Go prints the non-omitempty counters as 0.
            case ("apps", "statefulsets"):
                obj["status"] = new JsonObject { ["replicas"] = 0, ["availableReplicas"] = 0 };
                break;
            case ("apps", "daemonsets"):
                obj["status"] = new JsonObject { ["currentNumberScheduled"] = 0, ["numberMisscheduled"] = 0, ["desiredNumberScheduled"] = 0, ["numberReady"] = 0 };
                break;
            case ("", "replicationcontrollers"):
                obj["status"] = new JsonObject { ["replicas"] = 0 };
                break;
            case ("batch", "cronjobs"):
                obj["status"] = new JsonObject();
                break;
            case ("policy", "poddisruptionbudgets"):
                obj["status"] = new JsonObject { ["disruptionsAllowed"] = 0, ["currentHealthy"] = 0, ["desiredHealthy"] = 0, ["expectedPods"] = 0 };
                break;
            case ("", "persistentvolumeclaims" or "persistentvolumes"):
                obj["status"] = new JsonObject { ["phase"] = "Pending" };
                break;
            case ("networking.k8s.io", "ingresses"):
                obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
                break;
            case ("apiextensions.k8s.io", "customresourcedefinitions"):
                obj.Remove("status");
                break;
        }
    }

    /// <summary>
    /// The defaulters kube-apiserver runs on every decoded object, create or update (SetDefaults_Deployment,
    /// SetDefaults_ReplicaSet, SetDefaults_StatefulSet, SetDefaults_DaemonSet, SetDefaults_ReplicationController,
    /// SetDefaults_Job, SetDefaults_CronJob, SetDefaults_PersistentVolumeClaim/Volume, SetDefaults_Pod and the pod
    /// spec's): each fills only what is absent.
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
            case ("apps", "replicasets"):
                obj.Obj("spec")["replicas"] ??= 1;
                PodSpecDefaults.Apply(obj.Obj("spec").Obj("template").Obj("spec"));
                break;
            case ("apps", "statefulsets"):
                DefaultStatefulSet(obj.Obj("spec"));
                break;
            case ("apps", "daemonsets"):
                DefaultDaemonSet(obj.Obj("spec"));
                break;
            case ("", "replicationcontrollers"):
                DefaultReplicationController(obj);
                break;
            case ("batch", "jobs"):
                DefaultJob(obj.Obj("spec"));
                break;
            case ("batch", "cronjobs"):
                // SetDefaults_CronJob; the job template's spec gets only the pod spec defaults (SetDefaults_Job is per Job object).
                var c = obj.Obj("spec");
                c["concurrencyPolicy"] ??= "Allow";
                c["suspend"] ??= false;
                c["successfulJobsHistoryLimit"] ??= 3;
                c["failedJobsHistoryLimit"] ??= 1;
                PodSpecDefaults.Apply(c.Obj("jobTemplate").Obj("spec").Obj("template").Obj("spec"));
                break;
            case ("", "persistentvolumeclaims"):
                DefaultClaim(obj);
                break;
            case ("", "persistentvolumes"):
                var pv = obj.Obj("spec");
                pv["persistentVolumeReclaimPolicy"] ??= "Retain";
                pv["volumeMode"] ??= "Filesystem";
                obj.Obj("status")["phase"] ??= "Pending";
                break;
            case ("storage.k8s.io", "storageclasses"):
                // SetDefaults_StorageClass.
                obj["reclaimPolicy"] ??= "Delete";
                obj["volumeBindingMode"] ??= "Immediate";
                break;
        }
    }

    /// <summary>SetDefaults_StatefulSet (StatefulSetAutoDeletePVC on, MaxUnavailableStatefulSet off in 1.32) and its claim templates.</summary>
    private static void DefaultStatefulSet(JsonObject s)
    {
        s["podManagementPolicy"] ??= "OrderedReady";
        var strategy = s.Obj("updateStrategy");
        if (strategy.Str("type") is null or "")
        {
            strategy["type"] = "RollingUpdate";
            strategy["rollingUpdate"] ??= new JsonObject();
        }

        if (strategy.Str("type") == "RollingUpdate" && strategy["rollingUpdate"] is JsonObject rolling)
        {
            rolling["partition"] ??= 0;
        }

        var retention = s.Obj("persistentVolumeClaimRetentionPolicy");
        retention["whenDeleted"] ??= "Retain";
        retention["whenScaled"] ??= "Retain";
        s["replicas"] ??= 1;
        s["revisionHistoryLimit"] ??= 10;
        PodSpecDefaults.Apply(s.Obj("template").Obj("spec"));
        foreach (var claim in (s["volumeClaimTemplates"] as JsonArray ?? []).OfType<JsonObject>())
        {
            DefaultClaim(claim);
        }
    }

    /// <summary>SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10.</summary>
    private static void DefaultDaemonSet(JsonObject d)
    {
        var strategy = d.Obj("updateStrategy");
        strategy["type"] ??= "RollingUpdate";
        if (strategy.Str("type") == "RollingUpdate")
        {
            var rolling = strategy.Obj("rollingUpdate");
            rolling["maxUnavailable"] ??= 1;
            rolling["maxSurge"] ??= 0;
        }

        d["revisionHistoryLimit"] ??= 10;
        PodSpecDefaults.Apply(d.Obj("template").Obj("spec"));
    }

    /// <summary>SetDefaults_ReplicationController: replicas 1, the selector and labels taken from the template's labels when empty.</summary>
    private static void DefaultReplicationController(JsonObject rc)
    {
        var spec = rc.Obj("spec");
        if (spec.At("template", "metadata", "labels") is JsonObject { Count: > 0 } labels)
        {
            if (spec["selector"] is not JsonObject { Count: > 0 })
            {
                spec["selector"] = labels.DeepClone();
            }

            if (rc.At("metadata", "labels") is not JsonObject { Count: > 0 })
            {
                rc.Metadata()["labels"] = labels.DeepClone();
            }
        }

        spec["replicas"] ??= 1;
        PodSpecDefaults.Apply(spec.Obj("template").Obj("spec"));
    }

    /// <summary>SetDefaults_PersistentVolumeClaim and its spec's: volumeMode Filesystem, phase Pending.</summary>
    private static void DefaultClaim(JsonObject claim)
    {
        claim.Obj("spec")["volumeMode"] ??= "Filesystem";
        claim.Obj("status")["phase"] ??= "Pending";
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
