namespace AgentOperator.DevCluster.Node;

/// <summary>A volume bound at a container's mountPath: <paramref name="Source"/> on the node appears at <paramref name="Target"/>.</summary>
internal sealed record BindMount(string Source, string Target, bool ReadOnly);
