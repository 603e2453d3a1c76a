using System.Text.RegularExpressions;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Install;

/// <summary>
/// The manifests are the only source of the operator's and the gateways' permissions in tests: no test source writes RBAC
/// rules of its own or binds anything to cluster-admin or system:masters. The operator's fixtures install config/rbac and
/// run it as its ServiceAccount (tests/Operator.Tests/Fixtures/OperatorIdentity.cs, which also fails any operator started
/// with another identity); a gateway gets the Role the operator generates. A fixture granting more than the manifests would
/// hide a permission the shipped artifacts lack, as a hand-written gateway Role once hid that the shipped one could not
/// write approvals.
/// </summary>
public sealed partial class FixtureRbacTests
{
    /// <summary>
    /// Not scanned: DevCluster's own tests hold its RBAC to kube-apiserver semantics with users of their own (no operator
    /// or gateway runs there); this project only reads the manifests.
    /// </summary>
    private static readonly string[] NotScanned = ["tests/DevCluster.Tests/", "tests/Manifests.Tests/"];

    [Fact]
    public void No_test_fixture_writes_rbac_rules_or_binds_admin()
    {
        var findings = Findings().ToList();
        Assert.True(findings.Count == 0, "test sources grant permissions the manifests do not:\n" + string.Join('\n', findings));
    }

    [Fact]
    public void The_scan_finds_a_hand_written_role_and_an_admin_binding()
    {
        // The scan itself: what it must catch, in the forms a fixture would write it.
        Assert.NotEmpty(Scan("x.cs", "var rule = new V1PolicyRule { Verbs = [\"update\"] };"));
        Assert.NotEmpty(Scan("x.cs", "await admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(role, ns);"));
        Assert.NotEmpty(Scan("x.cs", "RoleRef = new V1RoleRef { Kind = \"ClusterRole\", Name = \"cluster-admin\" },"));
        Assert.NotEmpty(Scan("x.cs", "Subjects = [new() { Kind = \"Group\", Name = \"system:masters\" }],"));
        Assert.NotEmpty(Scan("x.cs", "\"\"\"\nkind: ClusterRole\nrules:\n\"\"\""));
        Assert.Empty(Scan("x.cs", "// a comment may name cluster-admin and new V1PolicyRule"));
        Assert.NotEmpty(Scan("x.cs", "Spec = new V1SubjectAccessReviewSpec { User = \"x\", Groups = [\"system:masters\"] },"));
        Assert.Empty(Scan("x.cs", "Assert.Equal(\"Role\", binding.RoleRef.Kind);"));
        Assert.Empty(Scan("x.cs", "await asOperator.RbacAuthorizationV1.CreateNamespacedRoleAsync(children.Role, ns);"));
        Assert.Empty(Scan("x.cs", "Assert.DoesNotContain(\"system:masters\", user.Groups);"));
    }

    private static IEnumerable<Finding> Findings() =>
        Directory.EnumerateFiles(Repository.PathOf("tests"), "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.Root, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(file => !file.Contains("/bin/", StringComparison.Ordinal) && !file.Contains("/obj/", StringComparison.Ordinal))
            .Where(file => !NotScanned.Any(prefix => file.StartsWith(prefix, StringComparison.Ordinal)))
            .SelectMany(file => Scan(file, Repository.Read(file)));

    private static IEnumerable<Finding> Scan(string file, string text) =>
        text.Split('\n')
            .Select((line, index) => (Line: line.Trim(), Number: index + 1))
            .Where(l => !l.Line.StartsWith("//", StringComparison.Ordinal))
            .Where(l => Grant().IsMatch(l.Line))
            .Select(l => new Finding(file, l.Number, l.Line));

    /// <summary>
    /// A hand-written rule (a V1PolicyRule, a Role or ClusterRole object, a YAML Role, a Role created by the admin client
    /// instead of the operator) or a binding to the superuser group or role. The operator's generated Role created with the
    /// operator's client, and bindings to the manifests' ClusterRoles (an approver bound to agentoperator-approver), are fine.
    /// </summary>
    [GeneratedRegex("""\bV1PolicyRule\b|\bnew V1(Cluster)?Role\b|\b[Aa]dmin\.RbacAuthorizationV1\.(Create|Replace|Patch)(Namespaced)?(Cluster)?RoleAsync\b|^kind:\s*(Cluster)?Role\s*$|"kind"\s*:\s*"(Cluster)?Role"|\bName\s*=\s*"(cluster-admin|system:masters)"|\bname:\s*(cluster-admin|system:masters)\b|Groups\s*=\s*\[[^\]]*"system:masters"|=(cluster-admin|system:masters)\b""")]
    private static partial Regex Grant();

    private sealed record Finding(string File, int Line, string Text)
    {
        public override string ToString() => $"  {File}:{Line}: {Text}";
    }
}
