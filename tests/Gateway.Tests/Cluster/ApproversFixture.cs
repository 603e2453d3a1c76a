namespace AgentOperator.Gateway.Tests.Cluster;

/// <summary>
/// A DevCluster of the test class's own (its tests inject API faults, which must not reach other classes),
/// with one namespace and three ServiceAccounts: alice and bob may approve AgentApprovals there, mallory may not.
/// </summary>
public sealed class ApproversFixture : IAsyncLifetime
{
    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("the fixture has not started");

    public string Namespace { get; private set; } = "";

    public string AliceToken { get; private set; } = "";

    public string BobToken { get; private set; } = "";

    public string MalloryToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync();
        Namespace = await _cluster.CreateNamespaceAsync("support");
        AliceToken = await _cluster.ServiceAccountTokenAsync(Namespace, "alice", GatewayRoles.Approver);
        BobToken = await _cluster.ServiceAccountTokenAsync(Namespace, "bob", GatewayRoles.Approver);
        MalloryToken = await _cluster.ServiceAccountTokenAsync(Namespace, "mallory");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
