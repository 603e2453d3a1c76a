namespace AgentOperator.DevCluster.Storage;

/// <summary>A compare-and-swap write lost the race: the object moved on to <see cref="ActualRevision"/>.</summary>
internal sealed class RevisionMismatchException(long actualRevision) : Exception($"object is at revision {actualRevision}")
{
    public long ActualRevision { get; } = actualRevision;
}
