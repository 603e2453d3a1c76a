namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>
/// The end-to-end classes that run their pods on the DevCluster node, in two lanes: each class's environment runs dozens of
/// processes (published gateways, agents, operators, Prometheus), so on a 2-core machine at most two environments run at
/// once, one per lane, and a class's fixture lives only while its class runs.
/// </summary>
internal static class NodeLanes
{
    /// <summary>Rollout tests on <see cref="NodeCluster"/> with an in-process operator.</summary>
    public const string Rollouts = "node lane: rollouts";

    /// <summary>The dev mode program and the eval Job.</summary>
    public const string DevMode = "node lane: dev mode";
}

[CollectionDefinition(NodeLanes.Rollouts)]
public sealed class RolloutsNodeLane;

[CollectionDefinition(NodeLanes.DevMode)]
public sealed class DevModeNodeLane;
