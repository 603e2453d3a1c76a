using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>Runs synchronously after a write commits, before the response: for effects a client expects to see at once (a CRD's resources becoming servable).</summary>
internal interface IWriteObserver
{
    /// <summary>The storage table this observer cares about.</summary>
    GroupResource Resource { get; }

    void OnCommitted(WatchEventType type, StoredObject obj);
}
