using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Auth;

/// <summary>
/// Authentication of human users as kube-apiserver does it: static bearer tokens (<c>--token-auth-file</c>) and x509
/// client certificates signed by the client CA (<c>--client-ca-file</c>: CN is the user, each O a group); every
/// authenticated user is in system:authenticated. SelfSubjectReview (<c>kubectl auth whoami</c>) and
/// SelfSubjectRulesReview (<c>kubectl auth can-i --list</c>) answer for the caller.
/// </summary>
public sealed class UserAuthenticationTests(UsersClusterFixture cluster) : IClassFixture<UsersClusterFixture>
{
    [Fact]
    public async Task Kubectl_auth_whoami_with_a_static_token_shows_user_uid_and_groups()
    {
        var output = await cluster.Alice.SucceedAsync("auth whoami -o json");
        var user = JsonNode.Parse(output)!["status"]!["userInfo"]!;
        Assert.Equal("alice", (string?)user["username"]);
        Assert.Equal("1001", (string?)user["uid"]);
        Assert.Equal(["finance-approvers", "system:authenticated"], user["groups"]!.AsArray().Select(g => (string?)g));

        var table = await cluster.Alice.SucceedAsync("auth whoami");
        Assert.Contains("alice", table);
    }

    [Fact]
    public async Task Kubectl_auth_whoami_with_a_client_certificate_shows_CN_as_user_and_O_as_groups()
    {
        var carol = cluster.KubectlForCertificate("carol", cluster.Server.IssueClientCertificate("carol", "finance-approvers", "auditors"));
        var user = JsonNode.Parse(await carol.SucceedAsync("auth whoami -o json"))!["status"]!["userInfo"]!;
        Assert.Equal("carol", (string?)user["username"]);
        Assert.Equal(["finance-approvers", "auditors", "system:authenticated"], user["groups"]!.AsArray().Select(g => (string?)g));
    }

    [Fact]
    public async Task A_client_certificate_user_is_authorized_by_RBAC_like_any_user()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var dave = cluster.KubectlForCertificate("dave", cluster.Server.IssueClientCertificate("dave", "readers"));
        var refused = await dave.RunAsync($"get configmaps -n {ns}");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"User \"dave\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"", refused.Stderr);

        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: reader}
            rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: readers}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: readers}]
            """);
        Assert.Contains("kube-root-ca.crt", await dave.SucceedAsync($"get configmaps -n {ns}"));
    }

    [Fact]
    public async Task An_unknown_token_and_a_certificate_from_another_CA_are_unauthorized()
    {
        var stranger = cluster.KubectlForToken("stranger", "not-a-token");
        var result = await stranger.RunAsync("get namespaces");
        Assert.True(result.ExitCode == 1 && result.Stderr.Contains("You must be logged in to the server", StringComparison.Ordinal), result.ToString());

        await using var other = await DevClusterServer.StartAsync(new DevClusterOptions { SimulateWorkloads = false });
        var forged = cluster.KubectlForCertificate("forged", other.IssueClientCertificate("admin", "system:masters"));
        var forgedResult = await forged.RunAsync("get namespaces");
        Assert.True(forgedResult.ExitCode == 1 && forgedResult.Stderr.Contains("You must be logged in to the server", StringComparison.Ordinal), forgedResult.ToString());
    }

    [Fact]
    public async Task Kubectl_auth_can_i_list_shows_the_callers_rules_in_the_namespace()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: lease-editor}
            rules: [{apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, update]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: bob-leases}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: lease-editor}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}]
            """);
        var list = await cluster.Bob.SucceedAsync($"auth can-i --list -n {ns}");
        Assert.Matches(@"leases\.coordination\.k8s\.io\s+\[\]\s+\[\]\s+\[get update\]", list);
        Assert.Equal("no", (await cluster.Bob.RunAsync($"auth can-i delete leases -n {ns}")).Stdout.Trim());
        Assert.Equal("yes", (await cluster.Bob.RunAsync($"auth can-i update leases -n {ns}")).Stdout.Trim());
    }
}
