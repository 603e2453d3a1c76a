using AgentOperator.Crds.V1Alpha1;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// The revision's identity: a ServiceAccount that mounts no token by itself, and a Role bound to it that
/// allows only what the gateway sidecar does with its projected token.
/// </summary>
public static class IdentityBuilder
{
    /// <summary>The revision's ServiceAccount. Only the gateway's projected volume gets a token for it.</summary>
    public static V1ServiceAccount ServiceAccount(RevisionInputs inputs) => new()
    {
        ApiVersion = "v1",
        Kind = V1ServiceAccount.KubeKind,
        Metadata = ChildMetadata.ForRevision(inputs),
        AutomountServiceAccountToken = false,
    };

    /// <summary>
    /// The Role. Rules:
    /// <list type="number">
    /// <item><c>configmaps</c>, resourceNames = [the revision's bundle ConfigMap], verbs get, list, watch.
    /// The gateway watches its bundle so a kill switch lands without a restart. A watch is a list request
    /// with <c>watch=true</c>; RBAC authorizes a list or watch restricted by resourceNames only when it
    /// carries <c>fieldSelector=metadata.name=&lt;name&gt;</c>, so these verbs reveal that one object and
    /// nothing else. <c>list</c> is granted because an informer lists (to learn the resourceVersion)
    /// before it watches, and re-lists after a 410 Gone.</item>
    /// <item>Only when <see cref="ApprovalRequirement.IsNeeded"/>: <c>agentapprovals</c> create, get. create cannot
    /// be limited by name (the name is unknown when RBAC decides), so admission (the
    /// <c>agentoperator-approval-requests</c> ValidatingAdmissionPolicy) refuses an approval whose workflow and
    /// revision are not the requesting ServiceAccount's own. The gateway then reads by name the approval its agent
    /// retries with; no list or watch. RBAC cannot limit get by label, so a gateway can read (never change) another
    /// workflow's approval in the same namespace if it learns its random name.</item>
    /// <item>Only when approvals are needed: <c>agentapprovals/status</c> patch, to consume an approval exactly once
    /// (across replicas and restarts) by setting <c>status.executedAt</c> with a resourceVersion precondition.
    /// Admission (<c>agentoperator-approval-decisions</c>) lets a gateway set only that field, only once, only on an
    /// Approved approval of its own revision; it can never add a verdict (no <c>approve</c> verb, and a workflow's
    /// ServiceAccounts are refused as approvers) nor decide.</item>
    /// </list>
    /// </summary>
    public static V1Role Role(RevisionInputs inputs)
    {
        var rules = new List<V1PolicyRule>
        {
            new()
            {
                ApiGroups = [""],
                Resources = ["configmaps"],
                ResourceNames = [ChildNames.RevisionObject(inputs.WorkflowName, inputs.Revision)],
                Verbs = ["get", "list", "watch"],
            },
        };

        if (ApprovalRequirement.IsNeeded(inputs))
        {
            rules.Add(new() { ApiGroups = [ApiGroup.Group], Resources = [AgentApproval.Plural], Verbs = ["create", "get"] });
            rules.Add(new() { ApiGroups = [ApiGroup.Group], Resources = [AgentApproval.Plural + "/status"], Verbs = ["patch"] });
        }

        return new()
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = V1Role.KubeKind,
            Metadata = ChildMetadata.ForRevision(inputs),
            Rules = rules,
        };
    }

    /// <summary>Binds the revision's Role to the revision's ServiceAccount, and to nothing else.</summary>
    public static V1RoleBinding RoleBinding(RevisionInputs inputs)
    {
        var name = ChildNames.RevisionObject(inputs.WorkflowName, inputs.Revision);
        return new()
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = V1RoleBinding.KubeKind,
            Metadata = ChildMetadata.ForRevision(inputs),
            RoleRef = new() { ApiGroup = "rbac.authorization.k8s.io", Kind = V1Role.KubeKind, Name = name },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = name, NamespaceProperty = inputs.Namespace }],
        };
    }
}
