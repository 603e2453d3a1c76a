using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>Everything the API server holds for a workflow, listed by its label (not through any cache).</summary>
internal sealed record WorkflowChildren(
    IReadOnlyList<V1ServiceAccount> ServiceAccounts,
    IReadOnlyList<V1Role> Roles,
    IReadOnlyList<V1RoleBinding> RoleBindings,
    IReadOnlyList<V1ConfigMap> ConfigMaps,
    IReadOnlyList<V1Deployment> Deployments,
    IReadOnlyList<V1Service> Services,
    IReadOnlyList<V1NetworkPolicy> NetworkPolicies)
{
    public int Count => ServiceAccounts.Count + Roles.Count + RoleBindings.Count + ConfigMaps.Count + Deployments.Count + Services.Count + NetworkPolicies.Count;

    /// <summary>Revisions that have at least one per-revision child.</summary>
    public IReadOnlySet<string> Revisions => PerRevision().Select(m => m.Annotations?[ChildLabels.RevisionAnnotation] ?? "").ToHashSet();

    public static async Task<WorkflowChildren> ReadAsync(IKubernetes client, string ns, string workflow)
    {
        var selector = $"{ChildLabels.Workflow}={ChildNames.LabelValue(workflow)}";
        return new(
            [.. (await client.CoreV1.ListNamespacedServiceAccountAsync(ns, labelSelector: selector)).Items],
            [.. (await client.RbacAuthorizationV1.ListNamespacedRoleAsync(ns, labelSelector: selector)).Items],
            [.. (await client.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(ns, labelSelector: selector)).Items],
            [.. (await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector)).Items],
            [.. (await client.AppsV1.ListNamespacedDeploymentAsync(ns, labelSelector: selector)).Items],
            [.. (await client.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: selector)).Items],
            [.. (await client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, labelSelector: selector)).Items]);
    }

    public override string ToString() =>
        $"{ServiceAccounts.Count} ServiceAccounts, {Roles.Count} Roles, {RoleBindings.Count} RoleBindings, {ConfigMaps.Count} ConfigMaps, "
        + $"{Deployments.Count} Deployments, {Services.Count} Services, {NetworkPolicies.Count} NetworkPolicies; revisions [{string.Join(", ", Revisions)}]";

    private IEnumerable<V1ObjectMeta> PerRevision() =>
        ServiceAccounts.Select(o => o.Metadata).Concat(Roles.Select(o => o.Metadata)).Concat(RoleBindings.Select(o => o.Metadata))
            .Concat(ConfigMaps.Select(o => o.Metadata)).Concat(Deployments.Select(o => o.Metadata)).Concat(NetworkPolicies.Select(o => o.Metadata));
}
