using AgentOperator.DevCluster.Auth;

namespace AgentOperator.DevCluster.Tests.Infrastructure;

/// <summary>
/// A cluster with human users, authenticated as kube-apiserver authenticates them: <c>alice</c> (group
/// finance-approvers) and <c>bob</c> (group engineers) by static bearer tokens (<c>--token-auth-file</c>), and a
/// kubectl per user. Tests issue client certificates themselves.
/// </summary>
public sealed class UsersClusterFixture : ClusterFixture
{
    public const string AliceToken = "alice-token-0123456789";
    public const string BobToken = "bob-token-0123456789";

    protected override DevClusterOptions Options => base.Options with
    {
        SimulateWorkloads = false,
        StaticTokens =
        [
            new StaticToken(AliceToken, "alice", "1001", ["finance-approvers"]),
            new StaticToken(BobToken, "bob", "1002", ["engineers"]),
        ],
    };

    public Kubectl Alice { get; private set; } = null!;

    public Kubectl Bob { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Alice = KubectlForToken("alice", AliceToken);
        Bob = KubectlForToken("bob", BobToken);
    }

    public Kubectl KubectlForToken(string name, string token)
    {
        var path = Path.Combine(Directory, $"kubeconfig-{name}");
        Server.WriteKubeconfigForToken(path, token);
        return new Kubectl(path, Path.Combine(Directory, $"cache-{name}"));
    }

    public Kubectl KubectlForCertificate(string name, ClientCertificate certificate)
    {
        var path = Path.Combine(Directory, $"kubeconfig-{name}");
        Server.WriteKubeconfigForCertificate(path, certificate);
        return new Kubectl(path, Path.Combine(Directory, $"cache-{name}"));
    }

    /// <summary>A file of the repository (the shipped CRDs and ClusterRoles are applied as they are).</summary>
    public static string RepositoryFile(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentOperator.sln")))
            {
                return Path.Combine(dir.FullName, relativePath);
            }
        }

        throw new FileNotFoundException("repository root (AgentOperator.sln) not found above " + AppContext.BaseDirectory);
    }
}
