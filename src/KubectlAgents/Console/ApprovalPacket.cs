using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using k8s;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>
/// One approval as the inbox shows it: the typed object, plus the agent's own words where the gateway recorded them
/// (<c>spec.intent</c>, <c>spec.reason</c>), read from the JSON so they show whether or not this build knows the fields.
/// </summary>
public sealed record ApprovalPacket(AgentApproval Approval, string? Intent, string? Reason)
{
    public ApprovalDecision Decision => Approval.Status?.Decision ?? ApprovalDecision.Pending;

    public static ApprovalPacket From(JsonObject item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var approval = KubernetesJson.Deserialize<AgentApproval>(item.ToJsonString());
        return new ApprovalPacket(approval, Text(item["spec"]?["intent"]), Text(item["spec"]?["reason"]));
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
}
