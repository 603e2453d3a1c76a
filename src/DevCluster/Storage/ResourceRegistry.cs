namespace AgentOperator.DevCluster.Storage;

/// <summary>
/// The resources the server serves right now: the built-ins plus whatever the applied CRDs define.
/// Readers see an immutable snapshot; CRD changes swap it atomically.
/// </summary>
internal sealed class ResourceRegistry
{
    private readonly Lock _writeLock = new();
    private volatile Snapshot _snapshot;

    public ResourceRegistry(IEnumerable<ResourceType> builtIns)
    {
        _snapshot = new Snapshot([.. builtIns], new Dictionary<string, IReadOnlyList<ResourceType>>());
    }

    /// <summary>Raised after the set of served resources changed (discovery and OpenAPI caches listen).</summary>
    public event Action? Changed;

    public IReadOnlyList<ResourceType> All => _snapshot.Types;

    public ResourceType? Find(string group, string version, string resource) =>
        _snapshot.ByPath.GetValueOrDefault((group, version, resource));

    /// <summary>The type that owns a storage table (the first registered version), for controllers working on refs.</summary>
    public ResourceType? ForStorage(GroupResource storage) => _snapshot.ByStorage.GetValueOrDefault(storage);

    /// <summary>Finds the resource for an apiVersion + kind, as ownerReferences and subjects name them.</summary>
    public ResourceType? ForKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        return _snapshot.Types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Kind == kind)
            ?? _snapshot.Types.FirstOrDefault(t => t.Group == group && t.Kind == kind);
    }

    /// <summary>Serves (or re-serves) the versions one CRD defines, replacing what it defined before.</summary>
    public void SetCustomResource(string crdName, IReadOnlyList<ResourceType> types)
    {
        lock (_writeLock)
        {
            var custom = new Dictionary<string, IReadOnlyList<ResourceType>>(_snapshot.Custom) { [crdName] = types };
            _snapshot = Rebuild(custom);
        }

        Changed?.Invoke();
    }

    public void RemoveCustomResource(string crdName)
    {
        lock (_writeLock)
        {
            var custom = new Dictionary<string, IReadOnlyList<ResourceType>>(_snapshot.Custom);
            if (!custom.Remove(crdName))
            {
                return;
            }

            _snapshot = Rebuild(custom);
        }

        Changed?.Invoke();
    }

    private Snapshot Rebuild(Dictionary<string, IReadOnlyList<ResourceType>> custom)
    {
        var builtIns = _snapshot.Types.Where(t => !t.IsCustom);
        return new Snapshot([.. builtIns, .. custom.Values.SelectMany(v => v)], custom);
    }

    private sealed class Snapshot
    {
        public Snapshot(List<ResourceType> types, IReadOnlyDictionary<string, IReadOnlyList<ResourceType>> custom)
        {
            Types = types;
            Custom = custom;
            ByPath = [];
            ByStorage = [];
            foreach (var t in types)
            {
                ByPath.TryAdd((t.Group, t.Version, t.Resource), t);
                ByStorage.TryAdd(t.Storage, t);
            }
        }

        public List<ResourceType> Types { get; }

        public IReadOnlyDictionary<string, IReadOnlyList<ResourceType>> Custom { get; }

        public Dictionary<(string, string, string), ResourceType> ByPath { get; }

        public Dictionary<GroupResource, ResourceType> ByStorage { get; }
    }
}
