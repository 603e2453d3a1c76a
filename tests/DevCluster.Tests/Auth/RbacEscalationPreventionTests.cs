using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Auth;

/// <summary>
/// RBAC escalation prevention as kube-apiserver enforces it in the storage of roles and bindings
/// (pkg/registry/rbac/validation.ConfirmNoEscalation, EscalationAllowed, BindingAuthorized): whoever writes a Role,
/// ClusterRole or binding must already hold every permission it grants, unless they hold <c>escalate</c> (roles) or
/// <c>bind</c> (bindings) on it. So a gap between the operator's ClusterRole and the Roles it writes fails here as it
/// would on a cluster. All through the real kubectl, as bob (static token, group engineers).
/// </summary>
public sealed class RbacEscalationPreventionTests(UsersClusterFixture cluster) : IClassFixture<UsersClusterFixture>
{
    private const string RoleWriter = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: role-writer}
        rules:
          - {apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings], verbs: [get, create, update, patch]}
          - {apiGroups: [""], resources: [configmaps], verbs: [get, list]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: bob-writes-roles}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: role-writer}
        subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}]
        """;

    [Fact]
    public async Task A_role_granting_more_than_its_writer_holds_is_refused_naming_the_missing_permission()
    {
        var ns = await WithRoleWriterAsync();

        var refused = await cluster.Bob.RunAsync($"apply -n {ns} -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: too-much}
            rules: [{apiGroups: [""], resources: [configmaps, secrets], verbs: [get]}]
            """);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("roles.rbac.authorization.k8s.io \"too-much\" is forbidden: user \"bob\" (groups=[\"engineers\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:", refused.Stderr);
        Assert.Contains("{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}", refused.Stderr);
        Assert.DoesNotContain("configmaps", refused.Stderr);
        Assert.Equal(1, (await cluster.Kubectl.RunAsync($"get role too-much -n {ns}")).ExitCode);
    }

    [Fact]
    public async Task A_role_within_what_its_writer_holds_is_created_and_a_narrower_resource_name_is_covered()
    {
        var ns = await WithRoleWriterAsync();

        await cluster.Bob.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: reads-one-configmap}
            rules: [{apiGroups: [""], resources: [configmaps], resourceNames: [settings], verbs: [get]}]
            """);

        Assert.Contains("reads-one-configmap", await cluster.Kubectl.SucceedAsync($"get role -n {ns}"));
    }

    [Fact]
    public async Task The_escalate_verb_lets_a_writer_grant_what_they_do_not_hold()
    {
        var ns = await WithRoleWriterAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: escalator}
            rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: bob-escalates}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: escalator}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}]
            """);

        await cluster.Bob.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: reads-secrets}
            rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
            """);
    }

    [Fact]
    public async Task A_binding_to_a_role_its_writer_does_not_hold_needs_the_bind_verb_on_that_role()
    {
        var ns = await WithRoleWriterAsync();
        const string binding = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: alice-edits}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit-secrets}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
            """;
        await cluster.Kubectl.SucceedAsync("apply -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: edit-secrets}
            rules: [{apiGroups: [""], resources: [secrets], verbs: [get, update]}]
            """);

        var refused = await cluster.Bob.RunAsync($"apply -n {ns} -f -", binding);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("rolebindings.rbac.authorization.k8s.io \"alice-edits\" is forbidden: user \"bob\"", refused.Stderr);
        Assert.Contains("{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"update\"]}", refused.Stderr);

        // bind on exactly that ClusterRole (resourceNames), granted in the namespace, is enough.
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: binder}
            rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], resourceNames: [edit-secrets], verbs: [bind]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: bob-binds}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: binder}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}]
            """);
        await cluster.Bob.SucceedAsync($"apply -n {ns} -f -", binding);
    }

    [Fact]
    public async Task A_change_of_labels_only_is_not_checked_but_a_change_of_rules_is()
    {
        var ns = await WithRoleWriterAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: admin-made}
            rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
            """);

        await cluster.Bob.SucceedAsync($"label role admin-made -n {ns} team=payments");
        var refused = await cluster.Bob.RunAsync($"patch role admin-made -n {ns} --type=json -p [{{\"op\":\"add\",\"path\":\"/rules/0/verbs/-\",\"value\":\"list\"}}]");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("is attempting to grant RBAC permissions not currently held", refused.Stderr);
    }

    private async Task<string> WithRoleWriterAsync()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", RoleWriter);
        return ns;
    }
}
