using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime.Informers;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>The informer caches the AgentWorkflow reconciler reads its whole world from (it lists nothing itself).</summary>
internal sealed record WorkflowCaches(
    IObjectCache<AgentWorkflow> Workflows,
    IObjectCache<AgentTool> Tools,
    IObjectCache<V1ServiceAccount> ServiceAccounts,
    IObjectCache<V1Role> Roles,
    IObjectCache<V1RoleBinding> RoleBindings,
    IObjectCache<V1ConfigMap> ConfigMaps,
    IObjectCache<V1Deployment> Deployments,
    IObjectCache<V1Service> Services,
    IObjectCache<V1NetworkPolicy> NetworkPolicies,
    IObjectCache<V1Job> Jobs);
