using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.DevCluster.Tests.Auth;

/// <summary>
/// Bearer-token authentication and RBAC as kube-apiserver applies them: 401 without credentials; TokenRequest
/// issues signed service-account JWTs with the kube claims; TokenReview validates them (audience included, and
/// not after the ServiceAccount is recreated); a service-account token is authorized only by its RBAC bindings.
/// </summary>
public sealed class AuthenticationAndAuthorizationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Requests_without_a_token_get_401_Unauthorized_Status()
    {
        using var anonymous = cluster.CreateHttpClient(token: null);
        var response = await anonymous.GetAsync("api/v1/namespaces");
        var status = await StatusBody.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Unauthorized", (string?)status["reason"]);

        using var wrong = cluster.CreateHttpClient("not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("version")).StatusCode);
    }

    [Fact]
    public async Task TokenRequest_issues_an_RS256_JWT_with_the_service_account_claims()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var sa = await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "agent" } }, ns);
        var request = await cluster.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = ["gateway"], ExpirationSeconds = 600 } }, "agent", ns);

        var parts = request.Status.Token.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(Base64Url(parts[0]))!;
        var claims = JsonNode.Parse(Base64Url(parts[1]))!;
        Assert.Equal("RS256", (string?)header["alg"]);
        Assert.Equal($"system:serviceaccount:{ns}:agent", (string?)claims["sub"]);
        Assert.Equal("gateway", (string?)claims["aud"]![0]);
        Assert.Equal(ns, (string?)claims["kubernetes.io"]!["namespace"]);
        Assert.Equal("agent", (string?)claims["kubernetes.io"]!["serviceaccount"]!["name"]);
        Assert.Equal(sa.Metadata.Uid, (string?)claims["kubernetes.io"]!["serviceaccount"]!["uid"]);
        Assert.Equal(600, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.NotNull(claims["nbf"]);
        Assert.NotNull(claims["iss"]);
    }

    [Fact]
    public async Task TokenReview_accepts_the_token_for_its_audience_only()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "agent" } }, ns);
        var token = await IssueAsync(ns, "agent", "gateway");

        var ok = await ReviewAsync(token, "gateway");
        Assert.True(ok.Status.Authenticated);
        Assert.Equal($"system:serviceaccount:{ns}:agent", ok.Status.User.Username);
        Assert.Contains($"system:serviceaccounts:{ns}", ok.Status.User.Groups);
        Assert.Equal(["gateway"], ok.Status.Audiences);

        var wrongAudience = await ReviewAsync(token, "somebody-else");
        Assert.False(wrongAudience.Status.Authenticated);
        Assert.Contains("audience", wrongAudience.Status.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Tokens_of_a_deleted_or_recreated_service_account_fail_review()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "agent" } }, ns);
        var token = await IssueAsync(ns, "agent", "gateway");

        await cluster.Client.CoreV1.DeleteNamespacedServiceAccountAsync("agent", ns);
        Assert.False((await ReviewAsync(token, "gateway")).Status.Authenticated);

        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "agent" } }, ns);
        var recreated = await ReviewAsync(token, "gateway");
        Assert.False(recreated.Status.Authenticated);
        Assert.Contains("does not match", recreated.Status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_account_token_is_authorized_only_by_its_role_bindings()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "reader" } }, ns);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "policy" } }, ns);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "other" } }, ns);
        await cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "read-policy" },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["configmaps"], ResourceNames = ["policy"], Verbs = ["get"] }],
        }, ns);
        await cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "read-policy" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "read-policy" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "reader", NamespaceProperty = ns }],
        }, ns);

        var token = await IssueAsync(ns, "reader", null);
        using var asReader = new Kubernetes(cluster.Server.CreateClientConfiguration(token));
        var allowed = await asReader.CoreV1.ReadNamespacedConfigMapAsync("policy", ns);
        Assert.Equal("policy", allowed.Metadata.Name);

        var denied = await Assert.ThrowsAsync<HttpOperationException>(() => asReader.CoreV1.ReadNamespacedConfigMapAsync("other", ns));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Response.StatusCode);
        var status = JsonNode.Parse(denied.Response.Content)!;
        Assert.Equal($"configmaps \"other\" is forbidden: User \"system:serviceaccount:{ns}:reader\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"", (string?)status["message"]);
        var list = await Assert.ThrowsAsync<HttpOperationException>(() => asReader.CoreV1.ListNamespacedConfigMapAsync(ns));
        Assert.Equal(HttpStatusCode.Forbidden, list.Response.StatusCode);
    }

    [Fact]
    public async Task SubjectAccessReview_evaluates_cluster_roles_wildcards_and_subresources()
    {
        await cluster.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "status-writer-" + Guid.NewGuid().ToString("N")[..6] },
            Rules = [new V1PolicyRule { ApiGroups = ["apps"], Resources = ["deployments/status"], Verbs = ["*"] }],
        }).ContinueWith(async t =>
        {
            var role = await t;
            await cluster.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
            {
                Metadata = new V1ObjectMeta { Name = role.Metadata.Name },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role.Metadata.Name },
                Subjects = [new Rbacv1Subject { Kind = "User", Name = "carol", ApiGroup = "rbac.authorization.k8s.io" }],
            });
        }).Unwrap();

        Assert.True(await AllowedAsync("carol", "patch", "apps", "deployments", "status"));
        Assert.False(await AllowedAsync("carol", "patch", "apps", "deployments", ""));
        Assert.False(await AllowedAsync("dave", "patch", "apps", "deployments", "status"));
        Assert.True(await AllowedAsync("root", "delete", "apps", "deployments", "", groups: ["system:masters"]));
    }

    private async Task<bool> AllowedAsync(string user, string verb, string group, string resource, string subresource, List<string>? groups = null)
    {
        var review = await cluster.Client.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user,
                Groups = groups,
                ResourceAttributes = new V1ResourceAttributes { Verb = verb, Group = group, Resource = resource, Subresource = subresource, NamespaceProperty = "default" },
            },
        });
        return review.Status.Allowed;
    }

    private async Task<string> IssueAsync(string ns, string name, string? audience)
    {
        var spec = new V1TokenRequestSpec { Audiences = audience is null ? [] : [audience] };
        var request = await cluster.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = spec }, name, ns);
        return request.Status.Token;
    }

    private Task<V1TokenReview> ReviewAsync(string token, string audience) =>
        cluster.Client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token, Audiences = [audience] } });

    private static string Base64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '=')));
    }
}
