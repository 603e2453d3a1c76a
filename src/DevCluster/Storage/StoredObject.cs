namespace AgentOperator.DevCluster.Storage;

/// <summary>
/// One committed object version. Immutable: the serialized JSON is the source of truth, so readers on any
/// thread can share it without copying; writers parse it into a fresh <see cref="System.Text.Json.Nodes.JsonObject"/>.
/// </summary>
internal sealed record StoredObject(
    string Namespace,
    string Name,
    string Uid,
    long ResourceVersion,
    byte[] Json,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<string> OwnerUids,
    bool Deleting)
{
    /// <summary>The key objects sort by inside a table (namespace first, like etcd's key layout).</summary>
    public string Key => ObjectKeys.Of(Namespace, Name);
}
