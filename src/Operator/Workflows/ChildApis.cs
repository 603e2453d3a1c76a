using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>The API calls for every kind of child an AgentWorkflow owns.</summary>
internal sealed record ChildApis(
    ChildApi<V1ServiceAccount> ServiceAccounts,
    ChildApi<V1Role> Roles,
    ChildApi<V1RoleBinding> RoleBindings,
    ChildApi<V1ConfigMap> ConfigMaps,
    ChildApi<V1Deployment> Deployments,
    ChildApi<V1Service> Services,
    ChildApi<V1NetworkPolicy> NetworkPolicies)
{
    public static ChildApis For(IKubernetes client) =>
        new(new(client), new(client), new(client), new(client), new(client), new(client), new(client));
}
