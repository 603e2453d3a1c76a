using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Install;

/// <summary>The ClusterRoles for humans: viewer, editor and approver.</summary>
public sealed class UserRoleTests
{
    private const string Group = "agentoperator.io";

    private static KubeObject Role(string name) =>
        Assert.Single(Kubectl.Kustomize("config/default"), o => o.Kind == "ClusterRole" && o.Name == name);

    private static IReadOnlyList<PolicyRule> Rules(string name) => PolicyRule.Of(Role(name).At("rules"));

    private static bool AggregatesInto(KubeObject role, string builtIn) =>
        (string?)role.At("metadata.labels")?[$"rbac.authorization.k8s.io/aggregate-to-{builtIn}"] == "true";

    [Fact]
    public void Approver_may_approve_and_read_approvals()
    {
        foreach (var verb in new[] { "approve", "get", "list", "watch" })
        {
            Assert.True(PolicyRule.Allows(Rules("agentoperator-approver"), Group, "agentapprovals", verb), verb);
        }
    }

    [Fact]
    public void Approver_adds_a_verdict_only_by_patching_status()
    {
        // A verdict is a JSON patch that appends to status.approvals; admission (config/admission) checks its
        // user and the approve verb. Nothing else about an approval is the approver's to write.
        Assert.True(PolicyRule.Allows(Rules("agentoperator-approver"), Group, "agentapprovals/status", "patch"));
        foreach (var verb in new[] { "create", "update", "patch", "delete" })
        {
            Assert.False(PolicyRule.Allows(Rules("agentoperator-approver"), Group, "agentapprovals", verb), verb);
        }

        foreach (var verb in new[] { "create", "update", "delete" })
        {
            Assert.False(PolicyRule.Allows(Rules("agentoperator-approver"), Group, "agentapprovals/status", verb), verb);
        }
    }

    [Theory]
    [InlineData("view")]
    [InlineData("edit")]
    [InlineData("admin")]
    public void Approver_is_bound_explicitly_never_aggregated(string builtIn) =>
        Assert.False(AggregatesInto(Role("agentoperator-approver"), builtIn));

    [Theory]
    [InlineData("view")]
    [InlineData("edit")]
    [InlineData("admin")]
    public void Viewer_aggregates_into_the_built_in_roles(string builtIn) =>
        Assert.True(AggregatesInto(Role("agentoperator-viewer"), builtIn));

    [Fact]
    public void Viewer_reads_every_agentoperator_resource_and_writes_nothing()
    {
        foreach (var resource in new[] { "agentworkflows", "agenttools", "agentapprovals" })
        {
            Assert.True(PolicyRule.Allows(Rules("agentoperator-viewer"), Group, resource, "list"), resource);
        }

        Assert.True(PolicyRule.Allows(Rules("agentoperator-viewer"), "", "events", "list"), "the console's timeline reads Events");

        Assert.All(Rules("agentoperator-viewer"), r => Assert.Subset(new HashSet<string>(StringComparer.Ordinal) { "get", "list", "watch" }, r.Verbs.ToHashSet(StringComparer.Ordinal)));
    }

    [Fact]
    public void Editor_authors_workflows_and_tools_but_never_approvals_or_status()
    {
        Assert.True(PolicyRule.Allows(Rules("agentoperator-editor"), Group, "agentworkflows", "create"));
        Assert.True(PolicyRule.Allows(Rules("agentoperator-editor"), Group, "agenttools", "update"));
        Assert.All(Rules("agentoperator-editor"), r =>
        {
            Assert.DoesNotContain("agentapprovals", r.Resources);
            Assert.DoesNotContain(r.Resources, resource => resource.EndsWith("/status", StringComparison.Ordinal));
        });
        Assert.True(AggregatesInto(Role("agentoperator-editor"), "edit"));
        Assert.False(AggregatesInto(Role("agentoperator-editor"), "view"));
    }
}
