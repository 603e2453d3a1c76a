using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;

namespace AgentOperator.DevCluster.Storage;

/// <summary>
/// The cluster's etcd: every object of every resource as JSON, one global revision counter (resourceVersion),
/// compare-and-swap writes, and a bounded history of events that watches resume from.
/// All mutation happens under one lock, which keeps revision order, history order and fan-out order identical.
/// </summary>
internal sealed class ObjectStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<GroupResource, Table> _tables = [];
    private readonly Dictionary<string, HashSet<ObjectRef>> _dependentsByOwnerUid = [];
    private readonly List<StoreSubscription> _subscriptions = [];
    private readonly StoreEvent?[] _history;
    private int _historyStart;
    private int _historyCount;
    private long _compactedRevision;
    private long _revision;

    public ObjectStore(int historySize)
    {
        _history = new StoreEvent?[Math.Max(16, historySize)];
    }

    /// <summary>The revision of the last committed write.</summary>
    public long CurrentRevision
    {
        get { lock (_lock) { return _revision; } }
    }

    /// <summary>Watches starting at or after this revision can be served; older ones get 410 Gone.</summary>
    public long CompactedRevision
    {
        get { lock (_lock) { return _compactedRevision; } }
    }

    public StoredObject? Get(GroupResource resource, string ns, string name)
    {
        lock (_lock)
        {
            return _tables.TryGetValue(resource, out var table) && table.Objects.TryGetValue(ObjectKeys.Of(ns, name), out var o) ? o : null;
        }
    }

    /// <summary>
    /// A consistent snapshot of one resource (optionally one namespace), in key order, from <paramref name="startAfterKey"/>:
    /// the current state, or the state at <paramref name="atRevision"/> (etcd's historical range read), rebuilt by undoing
    /// the retained events after it. A revision older than the history throws <see cref="RevisionExpiredException"/>.
    /// </summary>
    public (List<StoredObject> Items, long Revision) List(GroupResource resource, string? ns, string? startAfterKey, long? atRevision = null)
    {
        lock (_lock)
        {
            if (atRevision is { } at && at < _revision)
            {
                return (ListAt(resource, ns, startAfterKey, at), at);
            }

            var items = new List<StoredObject>();
            if (_tables.TryGetValue(resource, out var table))
            {
                IEnumerable<string> keys = ns is null ? table.Keys : table.Keys.GetViewBetween(ns + "/", ns + "/\uffff");
                foreach (var key in keys)
                {
                    if (startAfterKey is not null && string.CompareOrdinal(key, startAfterKey) <= 0)
                    {
                        continue;
                    }

                    items.Add(table.Objects[key]);
                }
            }

            return (items, _revision);
        }
    }

    private List<StoredObject> ListAt(GroupResource resource, string? ns, string? startAfterKey, long at)
    {
        if (at < _compactedRevision)
        {
            throw new RevisionExpiredException(at, _compactedRevision);
        }

        var state = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
        if (_tables.TryGetValue(resource, out var table))
        {
            IEnumerable<string> keys = ns is null ? table.Keys : table.Keys.GetViewBetween(ns + "/", ns + "/\uffff");
            foreach (var key in keys)
            {
                state[key] = table.Objects[key];
            }
        }

        for (var i = _historyCount - 1; i >= 0; i--)
        {
            var e = _history[(_historyStart + i) % _history.Length]!;
            if (e.ResourceVersion <= at)
            {
                break;
            }

            if (e.Resource != resource || (ns is not null && e.Object.Namespace != ns))
            {
                continue;
            }

            var key = ObjectKeys.Of(e.Object.Namespace, e.Object.Name);
            if (e.Type == WatchEventType.Added)
            {
                state.Remove(key);
            }
            else if (e.Previous is { } before)
            {
                state[key] = before;
            }
        }

        return state.Where(kv => startAfterKey is null || string.CompareOrdinal(kv.Key, startAfterKey) > 0).Select(kv => kv.Value).ToList();
    }

    /// <summary>The objects whose ownerReferences name <paramref name="ownerUid"/>.</summary>
    public IReadOnlyList<ObjectRef> Dependents(string ownerUid)
    {
        lock (_lock)
        {
            return _dependentsByOwnerUid.TryGetValue(ownerUid, out var set) ? [.. set] : [];
        }
    }

    /// <summary>Inserts a new object; it gets the next revision.</summary>
    public StoredObject Create(GroupResource resource, JsonObject obj)
    {
        var (ns, name) = NamespaceAndName(obj);
        var table = default(Table);
        lock (_lock)
        {
            table = TableFor(resource);
            var key = ObjectKeys.Of(ns, name);
            if (table.Objects.ContainsKey(key))
            {
                throw ApiErrors.AlreadyExists(resource, name);
            }

            var stored = Seal(obj, ns, name, ++_revision);
            table.Add(key, stored);
            IndexOwners(resource, stored, null);
            Publish(new StoreEvent(WatchEventType.Added, resource, stored, null));
            return stored;
        }
    }

    /// <summary>
    /// Replaces an object if it is still at <paramref name="expectedRevision"/>; otherwise throws
    /// <see cref="RevisionMismatchException"/> so the caller can re-read and retry (or report a 409).
    /// </summary>
    public StoredObject Update(GroupResource resource, JsonObject obj, long expectedRevision)
    {
        var (ns, name) = NamespaceAndName(obj);
        lock (_lock)
        {
            var table = TableFor(resource);
            var key = ObjectKeys.Of(ns, name);
            if (!table.Objects.TryGetValue(key, out var current))
            {
                throw ApiErrors.NotFound(resource, name);
            }

            if (current.ResourceVersion != expectedRevision)
            {
                throw new RevisionMismatchException(current.ResourceVersion);
            }

            var stored = Seal(obj, ns, name, ++_revision);
            table.Objects[key] = stored;
            IndexOwners(resource, stored, current);
            Publish(new StoreEvent(WatchEventType.Modified, resource, stored, current));
            return stored;
        }
    }

    /// <summary>Removes an object if it is still at <paramref name="expectedRevision"/>; the DELETED event carries the deletion's revision.</summary>
    public StoredObject Delete(GroupResource resource, string ns, string name, long expectedRevision)
    {
        lock (_lock)
        {
            var table = TableFor(resource);
            var key = ObjectKeys.Of(ns, name);
            if (!table.Objects.TryGetValue(key, out var current))
            {
                throw ApiErrors.NotFound(resource, name);
            }

            if (current.ResourceVersion != expectedRevision)
            {
                throw new RevisionMismatchException(current.ResourceVersion);
            }

            var last = JsonNode.Parse(current.Json)!.AsObject();
            var stored = Seal(last, ns, name, ++_revision);
            table.Remove(key);
            IndexOwners(resource, null, current);
            Publish(new StoreEvent(WatchEventType.Deleted, resource, stored, current));
            return stored;
        }
    }

    /// <summary>
    /// Subscribes to changes after <paramref name="fromRevision"/> (replaying retained history), or, when
    /// <paramref name="initialState"/> is set, returns the current objects to send as ADDED first.
    /// Atomic with respect to writes, so no event is missed or duplicated.
    /// </summary>
    public StoreSubscription Subscribe(
        GroupResource? resource,
        string? ns,
        long? fromRevision,
        bool initialState,
        int maxBacklog,
        bool isInternal,
        out List<StoredObject> initialObjects,
        out long startRevision)
    {
        lock (_lock)
        {
            initialObjects = [];
            if (fromRevision is { } from && !initialState && from < _compactedRevision)
            {
                throw new RevisionExpiredException(from, _compactedRevision);
            }

            var sub = new StoreSubscription(resource, ns, maxBacklog, isInternal, Unsubscribe);
            if (initialState)
            {
                if (resource is { } r && _tables.TryGetValue(r, out var table))
                {
                    IEnumerable<string> keys = ns is null ? table.Keys : table.Keys.GetViewBetween(ns + "/", ns + "/\uffff");
                    initialObjects.AddRange(keys.Select(k => table.Objects[k]));
                }
            }
            else if (fromRevision is { } since)
            {
                for (var i = 0; i < _historyCount; i++)
                {
                    var e = _history[(_historyStart + i) % _history.Length]!;
                    if (e.ResourceVersion > since && sub.Matches(e))
                    {
                        sub.Offer(e);
                    }
                }
            }

            startRevision = _revision;
            _subscriptions.Add(sub);
            return sub;
        }
    }

    /// <summary>How many client watches are open.</summary>
    public int ClientWatchCount
    {
        get { lock (_lock) { return _subscriptions.Count(s => !s.IsInternal); } }
    }

    /// <summary>Closes every client watch (fault injection); controllers keep theirs.</summary>
    public int CloseClientWatches(string reason)
    {
        lock (_lock)
        {
            var closed = 0;
            foreach (var sub in _subscriptions.Where(s => !s.IsInternal).ToList())
            {
                sub.Close(reason);
                closed++;
            }

            return closed;
        }
    }

    /// <summary>Forgets the watch history, so any watch from an older revision gets 410 Gone (fault injection).</summary>
    public void CompactHistory()
    {
        lock (_lock)
        {
            Array.Clear(_history);
            _historyStart = 0;
            _historyCount = 0;
            _compactedRevision = _revision;
        }
    }

    private void Unsubscribe(StoreSubscription sub)
    {
        lock (_lock)
        {
            _subscriptions.Remove(sub);
        }
    }

    private void Publish(StoreEvent e)
    {
        if (_historyCount == _history.Length)
        {
            _compactedRevision = _history[_historyStart]!.ResourceVersion;
            _history[_historyStart] = e;
            _historyStart = (_historyStart + 1) % _history.Length;
        }
        else
        {
            _history[(_historyStart + _historyCount) % _history.Length] = e;
            _historyCount++;
        }

        foreach (var sub in _subscriptions)
        {
            if (sub.Matches(e))
            {
                sub.Offer(e);
            }
        }
    }

    private void IndexOwners(GroupResource resource, StoredObject? now, StoredObject? before)
    {
        if (before is not null)
        {
            foreach (var uid in before.OwnerUids)
            {
                if (_dependentsByOwnerUid.TryGetValue(uid, out var set))
                {
                    set.Remove(new ObjectRef(resource, before.Namespace, before.Name));
                    if (set.Count == 0)
                    {
                        _dependentsByOwnerUid.Remove(uid);
                    }
                }
            }
        }

        if (now is not null)
        {
            foreach (var uid in now.OwnerUids)
            {
                if (!_dependentsByOwnerUid.TryGetValue(uid, out var set))
                {
                    _dependentsByOwnerUid[uid] = set = [];
                }

                set.Add(new ObjectRef(resource, now.Namespace, now.Name));
            }
        }
    }

    private Table TableFor(GroupResource resource)
    {
        if (!_tables.TryGetValue(resource, out var table))
        {
            _tables[resource] = table = new Table();
        }

        return table;
    }

    private static (string Ns, string Name) NamespaceAndName(JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject;
        return ((string?)meta?["namespace"] ?? "", (string?)meta?["name"] ?? "");
    }

    private static StoredObject Seal(JsonObject obj, string ns, string name, long revision)
    {
        if (obj["metadata"] is not JsonObject meta)
        {
            obj["metadata"] = meta = [];
        }

        meta["resourceVersion"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (meta["labels"] is JsonObject l)
        {
            foreach (var (k, v) in l)
            {
                labels[k] = v?.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v?.ToJsonString() ?? "";
            }
        }

        var owners = meta["ownerReferences"] is JsonArray refs
            ? refs.Select(r => (string?)r?["uid"]).Where(u => !string.IsNullOrEmpty(u)).Select(u => u!).ToArray()
            : [];
        return new StoredObject(
            ns,
            name,
            (string?)meta["uid"] ?? "",
            revision,
            JsonSerializer.SerializeToUtf8Bytes(obj, JsonOptions.Compact),
            labels,
            owners,
            meta["deletionTimestamp"] is not null);
    }

    private sealed class Table
    {
        public Dictionary<string, StoredObject> Objects { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public void Add(string key, StoredObject o)
        {
            Objects[key] = o;
            Keys.Add(key);
        }

        public void Remove(string key)
        {
            Objects.Remove(key);
            Keys.Remove(key);
        }
    }
}
