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

    /// <summary>kind/name@uid/resourceVersion of every child: equal lists mean nothing was created, replaced or written.</summary>
    public IReadOnlyList<string> Versions() =>
    [
        .. ServiceAccounts.Select(o => Version("sa", o.Metadata)),
        .. Roles.Select(o => Version("role", o.Metadata)),
        .. RoleBindings.Select(o => Version("rolebinding", o.Metadata)),
        .. ConfigMaps.Select(o => Version("configmap", o.Metadata)),
        .. Deployments.Select(o => Version("deployment", o.Metadata, o.Metadata.Generation)),
        .. Services.Select(o => Version("service", o.Metadata)),
        .. NetworkPolicies.Select(o => Version("networkpolicy", o.Metadata)),
    ];

    public override string ToString() =>
        $"{ServiceAccounts.Count} ServiceAccounts, {Roles.Count} Roles, {RoleBindings.Count} RoleBindings, {ConfigMaps.Count} ConfigMaps, "
        + $"{Deployments.Count} Deployments, {Services.Count} Services, {NetworkPolicies.Count} NetworkPolicies; revisions [{string.Join(", ", Revisions)}]";

    // A Deployment's resourceVersion moves with its status (the workload simulation); its generation moves only with its spec.
    private static string Version(string kind, V1ObjectMeta metadata, long? generation = null) =>
        generation is null ? $"{kind}/{metadata.Name}@{metadata.Uid}/{metadata.ResourceVersion}" : $"{kind}/{metadata.Name}@{metadata.Uid}/gen{generation}";

    private IEnumerable<V1ObjectMeta> PerRevision() =>
        ServiceAccounts.Select(o => o.Metadata).Concat(Roles.Select(o => o.Metadata)).Concat(RoleBindings.Select(o => o.Metadata))
            .Concat(ConfigMaps.Select(o => o.Metadata)).Concat(Deployments.Select(o => o.Metadata)).Concat(NetworkPolicies.Select(o => o.Metadata));
}
