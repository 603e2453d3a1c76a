using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Cli;
using k8s;
using k8s.Models;

namespace AgentOperator.KubectlAgents.Kube;

/// <summary>Reads and writes of AgentWorkflows and AgentApprovals, each as the user who runs the command.</summary>
public sealed class AgentResources(KubeSession session)
{
    private Kubernetes Client => session.Client;

    private const int MaxConflictAttempts = 5;

    public Task<AgentWorkflow> GetWorkflowAsync(string name, CancellationToken ct) =>
        ApiErrors.Run(
            () => Client.CustomObjects.GetNamespacedCustomObjectAsync<AgentWorkflow>(ApiGroup.Group, ApiGroup.Version, session.Namespace, AgentWorkflow.Plural, name, ct),
            $"agentworkflows.{ApiGroup.Group} \"{name}\"");

    /// <summary>The workflows of the session's namespace (every namespace with <c>-A</c>), by namespace and name.</summary>
    public async Task<IReadOnlyList<AgentWorkflow>> ListWorkflowsAsync(CancellationToken ct)
    {
        var list = await ApiErrors.Run(
            () => session.AllNamespaces
                ? Client.CustomObjects.ListClusterCustomObjectAsync<KubernetesList<AgentWorkflow>>(ApiGroup.Group, ApiGroup.Version, AgentWorkflow.Plural, cancellationToken: ct)
                : Client.CustomObjects.ListNamespacedCustomObjectAsync<KubernetesList<AgentWorkflow>>(ApiGroup.Group, ApiGroup.Version, session.Namespace, AgentWorkflow.Plural, cancellationToken: ct),
            "agentworkflows");
        return [.. list.Items.OrderBy(w => w.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(w => w.Metadata.Name, StringComparer.Ordinal)];
    }

    public Task<AgentApproval> GetApprovalAsync(string name, CancellationToken ct) =>
        ApiErrors.Run(
            () => Client.CustomObjects.GetNamespacedCustomObjectAsync<AgentApproval>(ApiGroup.Group, ApiGroup.Version, session.Namespace, AgentApproval.Plural, name, ct),
            $"agentapprovals.{ApiGroup.Group} \"{name}\"");

    public async Task<IReadOnlyList<AgentApproval>> ListApprovalsAsync(CancellationToken ct)
    {
        var list = await ApiErrors.Run(
            () => session.AllNamespaces
                ? Client.CustomObjects.ListClusterCustomObjectAsync<KubernetesList<AgentApproval>>(ApiGroup.Group, ApiGroup.Version, AgentApproval.Plural, cancellationToken: ct)
                : Client.CustomObjects.ListNamespacedCustomObjectAsync<KubernetesList<AgentApproval>>(ApiGroup.Group, ApiGroup.Version, session.Namespace, AgentApproval.Plural, cancellationToken: ct),
            "agentapprovals");
        return [.. list.Items.OrderBy(a => a.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(a => a.Metadata.CreationTimestamp).ThenBy(a => a.Metadata.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Reads workflow <paramref name="name"/>, lets <paramref name="decide"/> name the annotations to set on what it read,
    /// and patches them guarded by that read. The operator writes status often (analysis runs, run health), and each write
    /// moves the resourceVersion: on a 409 it reads and decides again, up to 5 times. <paramref name="decide"/> refuses
    /// (throws) when the fresh read asks for a different act than the one the user saw, and names none when there is
    /// nothing to change (then nothing is written and the read is returned).
    /// </summary>
    public async Task<AgentWorkflow> DecideAndAnnotateWorkflowAsync(string name, Func<AgentWorkflow, IReadOnlyDictionary<string, string?>> decide, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(decide);
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetWorkflowAsync(name, ct);
            var annotations = decide(current);
            if (annotations.Count == 0)
            {
                return current;
            }

            try
            {
                return await AnnotateWorkflowAsync(current, annotations, ct);
            }
            catch (CommandFailureException e) when (e.Status == System.Net.HttpStatusCode.Conflict && attempt < MaxConflictAttempts)
            {
            }
        }
    }

    /// <summary>
    /// Sets (value not null) or removes annotations of a workflow with a JSON merge patch guarded by the
    /// resourceVersion read, so an act decided on what the user saw never lands on a workflow that changed meanwhile.
    /// </summary>
    public Task<AgentWorkflow> AnnotateWorkflowAsync(AgentWorkflow workflow, IReadOnlyDictionary<string, string?> annotations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(annotations);
        var values = new JsonObject();
        foreach (var (key, value) in annotations)
        {
            values[key] = value;
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = workflow.Metadata.ResourceVersion, ["annotations"] = values },
        };
        return ApiErrors.Run(
            () => Client.CustomObjects.PatchNamespacedCustomObjectAsync<AgentWorkflow>(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version,
                workflow.Metadata.NamespaceProperty, AgentWorkflow.Plural, workflow.Metadata.Name, fieldManager: FieldManager, cancellationToken: ct),
            $"agentworkflows.{ApiGroup.Group} \"{workflow.Metadata.Name}\"");
    }

    /// <summary>
    /// Appends the user's verdict to <c>status.approvals</c> through the status subresource, as the README's kubectl
    /// patch does: the API server's admission policies check the name is the caller's, the verb, and that the approval
    /// is still Pending. A concurrent verdict of another approver is fine: both are appended.
    /// </summary>
    public Task<AgentApproval> AppendVerdictAsync(AgentApproval approval, ApproverDecision verdict, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(approval);
        ArgumentNullException.ThrowIfNull(verdict);
        var entry = new JsonObject
        {
            ["user"] = verdict.User,
            ["verdict"] = verdict.Verdict == ApproverVerdict.Approve ? "approve" : "deny",
        };
        if (verdict.Comment is not null)
        {
            entry["comment"] = verdict.Comment;
        }

        // Where the list (or the whole status) does not exist yet, the patch creates it.
        var (path, value) = approval.Status is null
            ? ("/status", (JsonNode)new JsonObject { ["approvals"] = new JsonArray(entry) })
            : approval.Status.Approvals is null
                ? ("/status/approvals", new JsonArray(entry))
                : ("/status/approvals/-", (JsonNode)entry);
        JsonArray operations =
        [
            new JsonObject { ["op"] = "add", ["path"] = path, ["value"] = value },
        ];
        return ApiErrors.Run(
            () => Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<AgentApproval>(
                new V1Patch(operations.ToJsonString(), V1Patch.PatchType.JsonPatch), ApiGroup.Group, ApiGroup.Version,
                approval.Metadata.NamespaceProperty, AgentApproval.Plural, approval.Metadata.Name, fieldManager: FieldManager, cancellationToken: ct),
            $"agentapprovals.{ApiGroup.Group} \"{approval.Metadata.Name}\"");
    }

    /// <summary>The user the API server authenticates this session as (<c>kubectl auth whoami</c>).</summary>
    public async Task<string> WhoAmIAsync(CancellationToken ct)
    {
        var review = await ApiErrors.Run(
            () => Client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview { ApiVersion = "authentication.k8s.io/v1", Kind = "SelfSubjectReview" }, cancellationToken: ct),
            "selfsubjectreview");
        return review.Status?.UserInfo?.Username
            ?? throw new CommandFailureException("error: the API server did not say who you are (SelfSubjectReview has no user)");
    }

    private const string FieldManager = "kubectl-agents";
}
