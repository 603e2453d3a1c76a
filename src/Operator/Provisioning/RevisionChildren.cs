using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>The desired children of one revision, in the order they are best created (identity, bundle, network, workload).</summary>
public sealed record RevisionChildren(
    V1ServiceAccount ServiceAccount,
    V1Role Role,
    V1RoleBinding RoleBinding,
    V1ConfigMap BundleConfigMap,
    V1NetworkPolicy NetworkPolicy,
    V1Deployment Deployment);
