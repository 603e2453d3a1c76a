using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Simulation;

namespace AgentOperator.DevCluster.Bootstrap;

/// <summary>
/// The one Node every simulated pod is bound to, registered as a kubelet registers itself: capacity and allocatable
/// from this machine (cpu, memory, 110 pods), a Ready condition with the pressure conditions False, nodeInfo, the
/// addresses (InternalIP: 127.0.0.1, or the node's bridge address when pods have their own network; Hostname) and its Lease in kube-node-lease. No heartbeat renews them.
/// </summary>
internal static class NodeRegistration
{
    public static void Register(ResourceOperations ops, string internalIp)
    {
        var now = ops.Now();
        var memoryKi = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024;
        JsonObject Resources() => new()
        {
            ["cpu"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            ["memory"] = memoryKi.ToString(CultureInfo.InvariantCulture) + "Ki",
            ["pods"] = "110",
        };
        JsonObject Condition(string type, string status, string reason, string message) => new()
        {
            ["type"] = type, ["status"] = status, ["reason"] = reason, ["message"] = message,
            ["lastHeartbeatTime"] = now, ["lastTransitionTime"] = now,
        };
        var arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.Arm64 => "arm64",
            _ => "amd64",
        };

        var nodes = ops.Registry.Find("", "v1", "nodes")!;
        ops.Create(nodes, "", new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = PodLifecycleController.NodeName,
                ["labels"] = new JsonObject
                {
                    ["kubernetes.io/hostname"] = PodLifecycleController.NodeName,
                    ["kubernetes.io/os"] = "linux",
                    ["kubernetes.io/arch"] = arch,
                    ["beta.kubernetes.io/os"] = "linux",
                    ["beta.kubernetes.io/arch"] = arch,
                },
            },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["capacity"] = Resources(),
                ["allocatable"] = Resources(),
                ["conditions"] = new JsonArray(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = internalIp },
                    new JsonObject { ["type"] = "Hostname", ["address"] = PodLifecycleController.NodeName }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = "devcluster", ["systemUUID"] = "devcluster", ["bootID"] = "devcluster",
                    ["kernelVersion"] = Environment.OSVersion.Version.ToString(),
                    ["osImage"] = RuntimeInformation.OSDescription,
                    ["containerRuntimeVersion"] = "devcluster://simulated",
                    ["kubeletVersion"] = "v1.32.0-devcluster",
                    ["kubeProxyVersion"] = "v1.32.0-devcluster",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = arch,
                },
            },
        }, new WriteOptions("kubelet"));

        // The kubelet's heartbeat Lease, which kubectl describe node shows.
        var leases = ops.Registry.Find("coordination.k8s.io", "v1", "leases")!;
        ops.Create(leases, "kube-node-lease", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = PodLifecycleController.NodeName },
            ["spec"] = new JsonObject
            {
                ["holderIdentity"] = PodLifecycleController.NodeName,
                ["leaseDurationSeconds"] = 40,
                ["renewTime"] = ops.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            },
        }, new WriteOptions("kubelet"));
    }
}
