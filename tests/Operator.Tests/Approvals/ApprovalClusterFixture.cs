using AgentOperator.DevCluster;
using AgentOperator.DevCluster.Auth;
using AgentOperator.DevMode.Install;
using AgentOperator.Operator.Tests.DevMode;
using AgentOperator.Operator.Tests.Fixtures;
using k8s;

namespace AgentOperator.Operator.Tests.Approvals;

/// <summary>
/// A DevCluster with what an install puts there for approvals: the CRDs, config/rbac (the operator runs as its
/// ServiceAccount) and config/admission's ValidatingAdmissionPolicies, applied by the code dev mode uses. People log in
/// as kube-apiserver users do: alice, bob and mallory with static bearer tokens (<c>--token-auth-file</c>), carol with a
/// client certificate signed by the cluster's client CA. Each has a kubeconfig of their own for the real kubectl.
/// </summary>
public sealed class ApprovalClusterFixture : CrdClusterFixture
{
    private static readonly string[] TokenUsers = ["alice", "bob", "mallory"];
    private readonly string _directory = Directory.CreateTempSubdirectory("approval-journeys").FullName;

    protected override DevClusterOptions Options => new()
    {
        WatchBookmarkInterval = TimeSpan.FromMilliseconds(200),
        PodStartDelay = TimeSpan.FromMilliseconds(300),
        StaticTokens = [.. TokenUsers.Select(user => new StaticToken(TokenOf(user), user, $"uid-{user}", []))],
    };

    /// <summary>The kubeconfig of the cluster admin.</summary>
    public string AdminKubeconfig => Path.Combine(_directory, "admin.kubeconfig");

    /// <summary>The kubeconfig <paramref name="user"/> (alice, bob, mallory: bearer token; carol: client certificate) uses.</summary>
    public string KubeconfigOf(string user) => Path.Combine(_directory, $"{user}.kubeconfig");

    protected override async Task InstallCrdsAsync(Kubernetes client)
    {
        await AgentOperatorCrds.InstallAsync(client, CancellationToken.None);
        var applier = new ManifestApplier(client, TimeProvider.System);
        foreach (var policy in await ManifestFiles.ReadKustomizationAsync(DevModeExamples.Repository.AdmissionDirectory, CancellationToken.None))
        {
            await applier.ApplyAsync(policy, CancellationToken.None);
        }

        Server.WriteKubeconfig(AdminKubeconfig);
        foreach (var user in TokenUsers)
        {
            Server.WriteKubeconfigForToken(KubeconfigOf(user), TokenOf(user));
        }

        Server.WriteKubeconfigForCertificate(KubeconfigOf("carol"), Server.IssueClientCertificate("carol", "support-leads"));
    }

    private static string TokenOf(string user) => $"{user}-token-{user.Length}f0e1d2c3b4a5";

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
