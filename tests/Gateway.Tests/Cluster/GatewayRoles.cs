using AgentOperator.Crds.V1Alpha1;
using k8s.Models;

namespace AgentOperator.Gateway.Tests.Cluster;

/// <summary>The RBAC rules the tests grant: what a gateway sidecar needs, and what an approver needs.</summary>
public static class GatewayRoles
{
    /// <summary>The gateway: read its policy ConfigMap, create and read AgentApprovals, write their status.</summary>
    public static V1PolicyRule[] Gateway { get; } =
    [
        new() { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get", "list", "watch"] },
        new() { ApiGroups = [ApiGroup.Group], Resources = [AgentApproval.Plural], Verbs = ["get", "create"] },
        new() { ApiGroups = [ApiGroup.Group], Resources = [AgentApproval.Plural + "/status"], Verbs = ["update"] },
    ];

    /// <summary>A human approver: the custom verb the approval API checks with a SubjectAccessReview.</summary>
    public static V1PolicyRule[] Approver { get; } =
    [
        new() { ApiGroups = [ApiGroup.Group], Resources = [AgentApproval.Plural], Verbs = [AgentOperator.Gateway.Approvals.ApproverAuthorization.Verb] },
    ];
}
