namespace AgentOperator.DevCluster.Node;

/// <summary>A token the node requested for a projected volume, and when it was issued and expires (rotation is due at 80 %).</summary>
internal sealed record ServiceAccountToken(string Token, DateTimeOffset Issued, DateTimeOffset Expires)
{
    public bool NeedsRotation(DateTimeOffset now) => now >= Issued + ((Expires - Issued) * 0.8);
}
