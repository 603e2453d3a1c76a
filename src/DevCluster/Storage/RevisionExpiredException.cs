namespace AgentOperator.DevCluster.Storage;

/// <summary>A watch asked for history the store no longer holds (kube-apiserver answers 410 Gone, reason Expired).</summary>
internal sealed class RevisionExpiredException(long requested, long oldest)
    : Exception($"too old resource version: {requested} ({oldest})")
{
    public long Requested { get; } = requested;

    public long Oldest { get; } = oldest;
}
