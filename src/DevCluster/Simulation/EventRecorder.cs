using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Simulation;

/// <summary>Records core/v1 Events about objects, as kube-controller-manager and the kubelet do (what <c>kubectl describe</c> lists).</summary>
internal sealed class EventRecorder(ResourceOperations ops, string component)
{
    public void Normal(JsonObject involved, string reason, string message) => Record(involved, "Normal", reason, message);

    public void Warning(JsonObject involved, string reason, string message) => Record(involved, "Warning", reason, message);

    private void Record(JsonObject involved, string eventType, string reason, string message)
    {
        var type = ops.Registry.Find("", "v1", "events");
        var ns = involved.Str("metadata", "namespace") ?? "default";
        if (type is null)
        {
            return;
        }

        var now = ops.Now();
        try
        {
            ops.Create(type, ns, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = $"{involved.Str("metadata", "name")}.{Guid.NewGuid().ToString("N")[..16]}" },
                ["involvedObject"] = new JsonObject
                {
                    ["apiVersion"] = involved.Str("apiVersion"),
                    ["kind"] = involved.Str("kind"),
                    ["namespace"] = ns,
                    ["name"] = involved.Str("metadata", "name"),
                    ["uid"] = involved.Str("metadata", "uid"),
                    ["resourceVersion"] = involved.Str("metadata", "resourceVersion"),
                },
                ["reason"] = reason,
                ["message"] = message,
                ["source"] = new JsonObject { ["component"] = component },
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = 1,
                ["type"] = eventType,
                ["reportingComponent"] = component,
                ["reportingInstance"] = component,
            }, new WriteOptions(component));
        }
        catch (ApiException)
        {
            // The namespace may be terminating; events are best effort, as in Kubernetes.
        }
    }
}
