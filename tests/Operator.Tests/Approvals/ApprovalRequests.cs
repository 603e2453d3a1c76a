using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Tests.Fixtures;
using AgentOperator.Operator.Tests.Workflows;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Approvals;

/// <summary>Approvals made as the shipped gateway makes them: with a token of the revision's ServiceAccount.</summary>
internal static class ApprovalRequests
{
    public static readonly TimeSpan DecisionTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The kubelet's part: a token of the revision's ServiceAccount, as projected into the gateway, and a client using it.</summary>
    public static async Task<(Kubernetes Gateway, string Token)> GatewayClientAsync(ApprovalClusterFixture cluster, string ns, string workflow, string revision)
    {
        var request = await cluster.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600 } }, ChildNames.RevisionObject(workflow, revision), ns);
        var token = request.Status.Token;
        return (new Kubernetes(cluster.Server.CreateClientConfiguration(token)), token);
    }

    /// <summary>What the README has an admin run: the manifests' approver ClusterRole bound to a user in one namespace.</summary>
    public static async Task BindApproverAsync(IKubernetes admin, string ns, string user) =>
        await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = $"{user}-approves" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "agentoperator-approver" },
            Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = user }],
        }, ns);

    /// <summary>Creates the AgentApproval as the gateway does when a call needs a human, and waits for the operator to open it.</summary>
    public static async Task<string> CreateAsync(
        Kubernetes gateway, IKubernetes admin, string ns, string workflow, string revision, int tier, int approvalsRequired, TimeSpan? expiresIn = null, string? runId = null)
    {
        var input = new JsonObject { ["order_id"] = "A-1001", ["amount_usd"] = 120.0 };
        var approval = new AgentApproval
        {
            Metadata = new V1ObjectMeta { GenerateName = $"{workflow}-", Labels = new Dictionary<string, string> { ["agentoperator.io/workflow"] = workflow } },
            Spec = new AgentApprovalSpec
            {
                Workflow = workflow,
                Revision = revision,
                RunId = runId ?? "run-" + Guid.NewGuid().ToString("N")[..8],
                Tool = WorkflowManifests.IssueRefund,
                Action = ToolAction.Create,
                Input = input,
                InputSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input.ToJsonString()))),
                RiskTier = tier,
                ApprovalsRequired = approvalsRequired,
                PolicyReason = "refund above 50 USD",
                Intent = "refund order A-1001",
                Reason = "the parcel arrived damaged",
                ExpiresAt = DateTimeOffset.UtcNow + (expiresIn ?? TimeSpan.FromMinutes(15)),
            },
        };
        var created = KubernetesJson.Deserialize<AgentApproval>(KubernetesJson.Serialize(
            await gateway.CustomObjects.CreateNamespacedCustomObjectAsync(approval, ApiGroup.Group, ApiGroup.Version, ns, AgentApproval.Plural)));
        var name = created.Metadata.Name;
        await Eventually.TrueAsync(async () => (await ReadAsync(admin, ns, name)).Status?.Approvals is not null, $"the operator to open approval {name}", DecisionTimeout);
        return name;
    }

    public static async Task<AgentApproval> ReadAsync(IKubernetes admin, string ns, string name) =>
        KubernetesJson.Deserialize<AgentApproval>(KubernetesJson.Serialize(
            await admin.CustomObjects.GetNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, AgentApproval.Plural, name)));

    public static async Task<AgentApproval> WaitForDecisionAsync(IKubernetes admin, string ns, string name, ApprovalDecision decision)
    {
        AgentApproval? last = null;
        await Eventually.TrueAsync(async () => (last = await ReadAsync(admin, ns, name)).Status?.Decision == decision, $"approval {name} to be {decision}", DecisionTimeout);
        return last!;
    }
}
