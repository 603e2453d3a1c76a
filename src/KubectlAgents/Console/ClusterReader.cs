using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Kube;
using k8s;
using k8s.Models;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>What the console's pages read from the API server, each read as the kubeconfig's user.</summary>
public sealed class ClusterReader(KubeSession session)
{
    /// <summary>The session's scope (its namespace, or every namespace with <c>-A</c>).</summary>
    public string Scope => session.AllNamespaces ? "all namespaces" : $"namespace {session.Namespace}";

    public Task<IReadOnlyList<AgentWorkflow>> ListWorkflowsAsync(CancellationToken ct) => new AgentResources(session).ListWorkflowsAsync(ct);

    /// <summary>Resources acting in <paramref name="namespace"/>: the same methods the commands use.</summary>
    public AgentResources In(string @namespace) => new(session.In(@namespace));

    /// <summary>
    /// The approvals in scope, read as JSON so fields newer than this build of the plugin (such as <c>spec.intent</c>) are
    /// shown when present; newest first.
    /// </summary>
    public async Task<IReadOnlyList<ApprovalPacket>> ListApprovalsAsync(CancellationToken ct)
    {
        var list = await ApiErrors.Run(
            () => session.AllNamespaces
                ? session.Client.CustomObjects.ListClusterCustomObjectAsync<JsonObject>(ApiGroup.Group, ApiGroup.Version, AgentApproval.Plural, cancellationToken: ct)
                : session.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(ApiGroup.Group, ApiGroup.Version, session.Namespace, AgentApproval.Plural, cancellationToken: ct),
            "agentapprovals");
        return [.. (list["items"] as JsonArray ?? []).OfType<JsonObject>().Select(ApprovalPacket.From)
            .OrderByDescending(p => p.Approval.Metadata.CreationTimestamp).ThenBy(p => p.Approval.Metadata.Name, StringComparer.Ordinal)];
    }

    /// <summary>The Events about workflow <paramref name="name"/>, oldest first.</summary>
    public async Task<IReadOnlyList<Corev1Event>> WorkflowEventsAsync(string @namespace, string name, CancellationToken ct)
    {
        var events = await ApiErrors.Run(
            () => session.Client.CoreV1.ListNamespacedEventAsync(@namespace, fieldSelector: $"involvedObject.kind={AgentWorkflow.KubeKind},involvedObject.name={name}", cancellationToken: ct),
            "events");
        return [.. events.Items.OrderBy(RolloutTimeline.TimeOf)];
    }
}
