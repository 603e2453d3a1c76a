using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using static AgentOperator.Operator.Tests.Provisioning.ProvisioningFixtures;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed class IdentityBuilderTests
{
    private const string RevisionObjectName = WorkflowName + "-" + Revision;

    [Fact]
    public void ServiceAccount_never_automounts_a_token()
    {
        var account = IdentityBuilder.ServiceAccount(Inputs());

        Assert.Equal(RevisionObjectName, account.Metadata.Name);
        Assert.False(account.AutomountServiceAccountToken);
    }

    [Fact]
    public void Role_without_approval_tools_allows_only_reading_the_own_bundle_configmap()
    {
        var readOnly = Spec with { Autonomy = Autonomy.Observe };

        var role = IdentityBuilder.Role(Inputs(readOnly));

        var rule = Assert.Single(role.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["configmaps"], rule.Resources);
        Assert.Equal([RevisionObjectName], rule.ResourceNames);
        Assert.Equal(["get", "list", "watch"], rule.Verbs);
    }

    [Fact]
    public void Role_with_a_tier3_write_under_auto_adds_approval_create_get_watch_and_status_patch()
    {
        var role = IdentityBuilder.Role(Inputs());

        Assert.Equal(3, role.Rules.Count);
        var approvals = role.Rules[1];
        Assert.Equal(["agentoperator.io"], approvals.ApiGroups);
        Assert.Equal(["agentapprovals"], approvals.Resources);
        Assert.Equal(["create", "get"], approvals.Verbs);
        Assert.Null(approvals.ResourceNames);
        var status = role.Rules[2];
        Assert.Equal(["agentapprovals/status"], status.Resources);
        Assert.Equal(["patch"], status.Verbs);
    }

    [Fact]
    public void Role_never_grants_wildcards_secrets_or_delete()
    {
        var role = IdentityBuilder.Role(Inputs());

        foreach (var rule in role.Rules)
        {
            Assert.DoesNotContain("*", rule.Verbs);
            Assert.DoesNotContain("*", rule.Resources);
            Assert.DoesNotContain("*", rule.ApiGroups);
            Assert.DoesNotContain("secrets", rule.Resources);
            Assert.DoesNotContain("delete", rule.Verbs);
            Assert.DoesNotContain("update", rule.Verbs);
        }
    }

    [Theory]
    [InlineData(Autonomy.Observe, 3, false)]
    [InlineData(Autonomy.Draft, 4, false)]
    [InlineData(Autonomy.Approve, 1, true)]
    [InlineData(Autonomy.Auto, 2, false)]
    [InlineData(Autonomy.Auto, 3, true)]
    [InlineData(Autonomy.Auto, 4, true)]
    public void ApprovalRequirement_follows_autonomy_and_risk_tier_of_write_tools(Autonomy autonomy, int writeTier, bool needed)
    {
        var spec = Spec with { Autonomy = autonomy };
        var refund = Tool("payments.issue_refund", writeTier, [ToolAction.Create], new() { Url = "https://payments.example.com/refunds" });

        Assert.Equal(needed, ApprovalRequirement.IsNeeded(Inputs(spec, [LookupOrder, refund])));
        Assert.Equal(needed ? 3 : 1, IdentityBuilder.Role(Inputs(spec, [LookupOrder, refund])).Rules.Count);
    }

    [Fact]
    public void ApprovalRequirement_under_approve_with_only_read_tools_is_not_needed()
    {
        var spec = Spec with { Autonomy = Autonomy.Approve, Tools = [new() { Name = "crm.lookup_order", Actions = [ToolAction.Read] }] };

        Assert.False(ApprovalRequirement.IsNeeded(Inputs(spec)));
    }

    [Fact]
    public void ApprovalRequirement_with_an_escalate_rule_is_needed_even_for_read_only_tools()
    {
        var spec = Spec with
        {
            Autonomy = Autonomy.Observe,
            Tools = [new() { Name = "crm.lookup_order", Actions = [ToolAction.Read] }],
            Policy = new() { Rules = [new() { Id = "vip-orders", Tool = "crm.lookup_order", Condition = "!input.vip", OnFail = RuleAction.Escalate }] },
        };

        Assert.True(ApprovalRequirement.IsNeeded(Inputs(spec)));
    }

    [Fact]
    public void ApprovalRequirement_with_deny_rules_only_is_not_needed()
    {
        var spec = Spec with
        {
            Autonomy = Autonomy.Observe,
            Policy = new() { Rules = [new() { Id = "cap", Tool = "payments.issue_refund", Condition = "input.amount_usd <= 50.0", OnFail = RuleAction.Deny }] },
        };

        Assert.False(ApprovalRequirement.IsNeeded(Inputs(spec)));
    }

    [Fact]
    public void RoleBinding_binds_the_revision_role_to_the_revision_service_account_only()
    {
        var binding = IdentityBuilder.RoleBinding(Inputs());

        Assert.Equal("rbac.authorization.k8s.io", binding.RoleRef.ApiGroup);
        Assert.Equal("Role", binding.RoleRef.Kind);
        Assert.Equal(RevisionObjectName, binding.RoleRef.Name);
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal("ServiceAccount", subject.Kind);
        Assert.Equal(RevisionObjectName, subject.Name);
        Assert.Equal(Namespace, subject.NamespaceProperty);
    }
}
