using AgentOperator.Operator.Runtime.LeaderElection;

namespace AgentOperator.Operator.Tests.Runtime.LeaderElection;

/// <summary>The Lease's namespace and holder come from the downward-API variables config/manager and the chart set.</summary>
public sealed class LeaderElectionOptionsTests
{
    private static readonly Dictionary<string, string> Pod = new(StringComparer.Ordinal)
    {
        ["AGENTOPERATOR_NAMESPACE"] = "agentoperator-system",
        ["AGENTOPERATOR_POD_NAME"] = "agent-operator-6d4cf56db6-x7k2p",
        ["HOSTNAME"] = "some-other-hostname",
    };

    [Fact]
    public void ResolveIdentity_PodNameVariable_IsThePrefixWithARandomSuffix()
    {
        var identity = new LeaderElectionOptions().ResolveIdentity(Pod.GetValueOrDefault);

        Assert.Matches("^agent-operator-6d4cf56db6-x7k2p_[0-9a-f]{8}$", identity);
        Assert.NotEqual(identity, new LeaderElectionOptions().ResolveIdentity(Pod.GetValueOrDefault));
    }

    [Fact]
    public void ResolveIdentity_WithoutThePodNameVariable_UsesTheHostname() =>
        Assert.StartsWith("some-other-hostname_", new LeaderElectionOptions().ResolveIdentity(n => n == "HOSTNAME" ? "some-other-hostname" : null), StringComparison.Ordinal);

    [Fact]
    public void ResolveNamespace_NamespaceVariable_UnlessTheFlagNamesOne()
    {
        Assert.Equal("agentoperator-system", new LeaderElectionOptions().ResolveNamespace(Pod.GetValueOrDefault));
        Assert.Equal("ops", new LeaderElectionOptions { LeaseNamespace = "ops" }.ResolveNamespace(Pod.GetValueOrDefault));
    }

    [Fact]
    public void Identity_Flag_WinsOverTheEnvironment() =>
        Assert.Equal("fixed", new LeaderElectionOptions { Identity = "fixed" }.ResolveIdentity(Pod.GetValueOrDefault));
}
