using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Install;

/// <summary>The operator's ClusterRole and leader-election Role as config/default renders them.</summary>
public sealed class OperatorRbacTests
{
    private static IReadOnlyList<KubeObject> Objects => Kubectl.Kustomize("config/default");

    private static IReadOnlyList<PolicyRule> Manager =>
        PolicyRule.Of(Assert.Single(Objects, o => o.Kind == "ClusterRole" && o.Name == "agent-operator-manager").At("rules"));

    private static IReadOnlyList<PolicyRule> LeaderElection =>
        PolicyRule.Of(Assert.Single(Objects, o => o.Kind == "Role" && o.Name == "agent-operator-leader-election").At("rules"));

    /// <summary>What the operator does, as (group, resource, verbs). Each line is one reason in config/rbac/role.yaml.</summary>
    public static TheoryData<string, string, string> Needed => new()
    {
        { "agentoperator.io", "agentworkflows", "get list watch update patch" },
        { "agentoperator.io", "agentworkflows/status", "get update patch" },
        { "agentoperator.io", "agentworkflows/finalizers", "update" },
        { "agentoperator.io", "agenttools", "get list watch" },
        { "agentoperator.io", "agentapprovals", "get list watch" },
        { "agentoperator.io", "agentapprovals/status", "patch" },
        { "", "serviceaccounts", "get list watch create update patch delete" },
        { "", "configmaps", "get list watch create update patch delete" },
        { "", "services", "get list watch create update patch delete" },
        { "rbac.authorization.k8s.io", "roles", "get list watch create update patch delete" },
        { "rbac.authorization.k8s.io", "rolebindings", "get list watch create update patch delete" },
        { "apps", "deployments", "get list watch create update patch delete" },
        { "networking.k8s.io", "networkpolicies", "get list watch create update patch delete" },
        { "batch", "jobs", "get list watch create delete" },
        { "", "pods", "get list watch" },
        { "gateway.networking.k8s.io", "httproutes", "get list watch update patch" },
        { "", "events", "create patch list" },
        { "events.k8s.io", "events", "create patch" },
    };

    /// <summary>What the operator reads of one object only, as (group, resource, name, verbs): the API server's endpoints.</summary>
    public static TheoryData<string, string, string, string> NeededByName => new()
    {
        { "discovery.k8s.io", "endpointslices", "kubernetes", "get list watch" },
        { "", "endpoints", "kubernetes", "get list watch" },
    };

    /// <summary>
    /// What a revision's gateway Role grants (src/Operator/Provisioning/IdentityBuilder.cs). RBAC escalation
    /// prevention refuses to let the operator create that Role unless it holds each of these itself.
    /// </summary>
    public static TheoryData<string, string, string> GrantedToGateways => new()
    {
        { "", "configmaps", "get list watch" },
        { "agentoperator.io", "agentapprovals", "create get" },
        { "agentoperator.io", "agentapprovals/status", "patch" },
    };

    [Theory]
    [MemberData(nameof(Needed))]
    public void Operator_holds_each_permission_it_needs(string group, string resource, string verbs)
    {
        foreach (var verb in verbs.Split(' '))
        {
            Assert.True(PolicyRule.Allows(Manager, group, resource, verb), $"the ClusterRole does not allow {verb} on {group}/{resource}");
        }
    }

    [Theory]
    [MemberData(nameof(GrantedToGateways))]
    public void Operator_holds_what_it_grants_gateways_so_it_needs_no_escalate(string group, string resource, string verbs)
    {
        foreach (var verb in verbs.Split(' '))
        {
            Assert.True(PolicyRule.Allows(Manager, group, resource, verb), $"creating the gateway Role needs {verb} on {group}/{resource}");
        }
    }

    [Theory]
    [MemberData(nameof(NeededByName))]
    public void Operator_reads_the_api_server_endpoints_by_name_only(string group, string resource, string name, string verbs)
    {
        var rule = Assert.Single(Manager, r => r.ApiGroups.Contains(group) && r.Resources.Contains(resource));
        Assert.Equal([name], rule.ResourceNames);
        Assert.Equal(verbs.Split(' '), rule.Verbs);
    }

    [Fact]
    public void Operator_holds_nothing_beyond_what_it_needs()
    {
        var needed = Needed.Select(row => ((string)row[0], (string)row[1], ((string)row[2]).Split(' ').ToHashSet(StringComparer.Ordinal))).ToList();
        var granted = GrantedToGateways.Select(row => ((string)row[0], (string)row[1], ((string)row[2]).Split(' ').ToHashSet(StringComparer.Ordinal))).ToList();
        var byName = NeededByName.Select(row => ((string)row[0], (string)row[1], (string)row[2])).ToList();
        foreach (var rule in Manager)
        {
            if (rule.ResourceNames.Count > 0)
            {
                Assert.All(rule.ResourceNames, name => Assert.Contains(byName, n => rule.ApiGroups.Contains(n.Item1) && rule.Resources.Contains(n.Item2) && n.Item3 == name));
                continue;
            }

            foreach (var group in rule.ApiGroups)
            {
                foreach (var resource in rule.Resources)
                {
                    foreach (var verb in rule.Verbs)
                    {
                        Assert.True(
                            needed.Concat(granted).Any(n => n.Item1 == group && n.Item2 == resource && n.Item3.Contains(verb)),
                            $"{verb} on {group}/{resource} is granted but no reason for it is listed");
                    }
                }
            }
        }
    }

    [Fact]
    public void No_rule_uses_wildcards()
    {
        Assert.All(Manager.Concat(LeaderElection), rule =>
        {
            Assert.DoesNotContain("*", rule.ApiGroups);
            Assert.DoesNotContain("*", rule.Resources);
            Assert.DoesNotContain("*", rule.Verbs);
        });
    }

    [Theory]
    [InlineData("escalate")]
    [InlineData("bind")]
    [InlineData("impersonate")]
    public void Operator_never_holds_privilege_escalating_verbs(string verb) =>
        Assert.All(Manager.Concat(LeaderElection), rule => Assert.DoesNotContain(verb, rule.Verbs));

    [Fact]
    public void Operator_cannot_read_secrets()
    {
        // Tool Secrets are mounted into the gateway sidecar by name; mounting needs no read permission.
        Assert.All(Manager.Concat(LeaderElection), rule => Assert.DoesNotContain("secrets", rule.Resources));
    }

    [Theory]
    [InlineData("pods/exec")]
    [InlineData("pods/attach")]
    [InlineData("nodes")]
    [InlineData("namespaces")]
    [InlineData("clusterroles")]
    [InlineData("clusterrolebindings")]
    [InlineData("customresourcedefinitions")]
    public void Operator_has_no_access_to(string resource) =>
        Assert.All(Manager.Concat(LeaderElection), rule => Assert.DoesNotContain(resource, rule.Resources));

    [Fact]
    public void Leases_are_reachable_only_in_the_operator_namespace()
    {
        Assert.DoesNotContain(Manager, rule => rule.Resources.Contains("leases"));
        foreach (var verb in new[] { "get", "create", "update" })
        {
            Assert.True(PolicyRule.Allows(LeaderElection, "coordination.k8s.io", "leases", verb), $"leader election needs {verb} on leases");
        }

        Assert.All(LeaderElection, rule => Assert.Subset(new HashSet<string>(StringComparer.Ordinal) { "leases", "events" }, rule.Resources.ToHashSet(StringComparer.Ordinal)));
    }

    [Fact]
    public void Every_rule_in_the_source_carries_a_comment_giving_its_reason()
    {
        foreach (var file in new[] { "config/rbac/role.yaml", "config/rbac/leader_election_role.yaml" })
        {
            var lines = Repository.Read(file).Split('\n');
            var rulesStart = Array.IndexOf(lines, "rules:");
            Assert.True(rulesStart >= 0, $"{file} has no rules");
            for (var i = rulesStart + 1; i < lines.Length; i++)
            {
                if (!lines[i].StartsWith("  - apiGroups:", StringComparison.Ordinal))
                {
                    continue;
                }

                Assert.True(lines[i - 1].TrimStart().StartsWith('#'), $"{file}:{i + 1}: rule without a reason comment");
            }
        }
    }
}
