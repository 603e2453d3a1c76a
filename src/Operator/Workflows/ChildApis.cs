using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>The typed calls for every kind of child an AgentWorkflow owns.</summary>
internal sealed record ChildApis(
    ChildApi<V1ServiceAccount> ServiceAccounts,
    ChildApi<V1Role> Roles,
    ChildApi<V1RoleBinding> RoleBindings,
    ChildApi<V1ConfigMap> ConfigMaps,
    ChildApi<V1Deployment> Deployments,
    ChildApi<V1Service> Services,
    ChildApi<V1NetworkPolicy> NetworkPolicies)
{
    public static ChildApis For(IKubernetes client) => new(
        new(V1ServiceAccount.KubeKind,
            (body, ns, ct) => client.CoreV1.CreateNamespacedServiceAccountAsync(body, ns, cancellationToken: ct),
            (patch, name, ns, ct) => client.CoreV1.PatchNamespacedServiceAccountAsync(patch, name, ns, cancellationToken: ct),
            (name, ns, options, ct) => client.CoreV1.DeleteNamespacedServiceAccountAsync(name, ns, options, cancellationToken: ct),
            (name, ns, ct) => client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: ct)),
        new(V1Role.KubeKind,
            (body, ns, ct) => client.RbacAuthorizationV1.CreateNamespacedRoleAsync(body, ns, cancellationToken: ct),
            (patch, name, ns, ct) => client.RbacAuthorizationV1.PatchNamespacedRoleAsync(patch, name, ns, cancellationToken: ct),
            (name, ns, options, ct) => client.RbacAuthorizationV1.DeleteNamespacedRoleAsync(name, ns, options, cancellationToken: ct),
            (name, ns, ct) => client.RbacAuthorizationV1.ReadNamespacedRoleAsync(name, ns, cancellationToken: ct)),
        new(V1RoleBinding.KubeKind,
            (body, ns, ct) => client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(body, ns, cancellationToken: ct),
            (patch, name, ns, ct) => client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(patch, name, ns, cancellationToken: ct),
            (name, ns, options, ct) => client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(name, ns, options, cancellationToken: ct),
            (name, ns, ct) => client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(name, ns, cancellationToken: ct)),
        new(V1ConfigMap.KubeKind,
            (body, ns, ct) => client.CoreV1.CreateNamespacedConfigMapAsync(body, ns, cancellationToken: ct),
            (patch, name, ns, ct) => client.CoreV1.PatchNamespacedConfigMapAsync(patch, name, ns, cancellationToken: ct),
            (name, ns, options, ct) => client.CoreV1.DeleteNamespacedConfigMapAsync(name, ns, options, cancellationToken: ct),
            (name, ns, ct) => client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct)),
        new(V1Deployment.KubeKind,
            (body, ns, ct) => client.AppsV1.CreateNamespacedDeploymentAsync(body, ns, cancellationToken: ct),
            (patch, name, ns, ct) => client.AppsV1.PatchNamespacedDeploymentAsync(patch, name, ns, cancellationToken: ct),
            (name, ns, options, ct) => client.AppsV1.DeleteNamespacedDeploymentAsync(name, ns, options, cancellationToken: ct),
            (name, ns, ct) => client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct)),
        new(V1Service.KubeKind,
            (body, ns, ct) => client.CoreV1.CreateNamespacedServiceAsync(body, ns, cancellationToken: ct),
            (patch, name, ns, ct) => client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, cancellationToken: ct),
            (name, ns, options, ct) => client.CoreV1.DeleteNamespacedServiceAsync(name, ns, options, cancellationToken: ct),
            (name, ns, ct) => client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct)),
        new(V1NetworkPolicy.KubeKind,
            (body, ns, ct) => client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(body, ns, cancellationToken: ct),
            (patch, name, ns, ct) => client.NetworkingV1.PatchNamespacedNetworkPolicyAsync(patch, name, ns, cancellationToken: ct),
            (name, ns, options, ct) => client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(name, ns, options, cancellationToken: ct),
            (name, ns, ct) => client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(name, ns, cancellationToken: ct)));
}
