using AgentOperator.DevMode.Install;
using AgentOperator.Operator.Tests.DevMode;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>
/// The one way the fixtures give an operator under test its credentials: <c>config/rbac</c> installed as an install
/// applies it (<see cref="OperatorRbac"/>, what dev mode installs too) and a client configuration with TokenRequest
/// tokens of its ServiceAccount. Test code that sets up objects as a user would keeps the admin client; the operator
/// never gets it, so a permission missing from config/rbac/role.yaml fails here as it would on a cluster.
/// </summary>
internal static class OperatorIdentity
{
    private static readonly Lazy<Task<OperatorRbac>> Rbac = new(() => OperatorRbac.ReadAsync(DevModeExamples.Repository, CancellationToken.None));

    /// <summary>The user the API server authenticates the operator as, e.g. <c>system:serviceaccount:agentoperator-system:agent-operator</c>.</summary>
    public static async Task<string> UserNameAsync() => (await Rbac.Value).UserName;

    /// <summary>The operator's own namespace, where its leader-election Role lets it hold a Lease.</summary>
    public static async Task<string> NamespaceAsync() => (await Rbac.Value).ServiceAccountNamespace;

    /// <summary>
    /// Applies config/rbac through <paramref name="admin"/> and returns the operator's client configuration for the
    /// cluster <paramref name="server"/> describes (its host and CA; the credentials are the ServiceAccount's).
    /// </summary>
    public static async Task<KubernetesClientConfiguration> InstallAsync(KubernetesClientConfiguration server, IKubernetes admin)
    {
        var rbac = await Rbac.Value;
        await rbac.InstallAsync(new ManifestApplier(admin, TimeProvider.System), CancellationToken.None);
        return rbac.ClientConfiguration(server, admin, TimeProvider.System);
    }

    /// <summary>
    /// Fails unless <paramref name="client"/> (built on <paramref name="configuration"/>) authenticates as config/rbac's
    /// ServiceAccount with a bearer token and not as a member of system:masters: the API server says who it is
    /// (SelfSubjectReview, what <c>kubectl auth whoami</c> asks; every authenticated user may).
    /// </summary>
    public static async Task AssertIsOperatorAsync(KubernetesClientConfiguration configuration, IKubernetes client)
    {
        var token = configuration.TokenProvider is { } provider
            ? (await provider.GetAuthenticationHeaderAsync(CancellationToken.None)).Parameter
            : configuration.AccessToken;
        Assert.False(string.IsNullOrEmpty(token), "the operator's client has no bearer token: build it with OperatorIdentity.InstallAsync");
        var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        var user = review.Status.UserInfo;
        Assert.True(
            user.Username == await UserNameAsync() && !(user.Groups ?? []).Contains("system:masters"),
            $"the operator under test runs as {user.Username} (groups {string.Join(", ", user.Groups ?? [])}), not as {await UserNameAsync()} of config/rbac: build its client with OperatorIdentity.InstallAsync");
    }
}
