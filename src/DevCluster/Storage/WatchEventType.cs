namespace AgentOperator.DevCluster.Storage;

/// <summary>The event types of the watch protocol.</summary>
internal enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}
