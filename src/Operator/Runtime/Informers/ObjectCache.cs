using System.Diagnostics.CodeAnalysis;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>The cache behind an informer: objects keyed by namespace/name plus an index by owner UID.</summary>
internal sealed class ObjectCache<T> : IObjectCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectKey, T> _objects = [];
    private readonly Dictionary<string, HashSet<ObjectKey>> _byOwner = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _objects.Count;
            }
        }
    }

    public bool TryGet(ObjectKey key, [MaybeNullWhen(false)] out T value)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(key, out value);
        }
    }

    public IReadOnlyList<T> List(string? @namespace = null)
    {
        lock (_lock)
        {
            return @namespace is null
                ? [.. _objects.Values]
                : [.. _objects.Where(p => p.Key.Namespace == @namespace).Select(p => p.Value)];
        }
    }

    public IReadOnlyList<T> ListByLabels(IReadOnlyDictionary<string, string> matchLabels, string? @namespace = null)
    {
        ArgumentNullException.ThrowIfNull(matchLabels);
        lock (_lock)
        {
            return [.. _objects.Where(p => (@namespace is null || p.Key.Namespace == @namespace) && HasLabels(p.Value, matchLabels)).Select(p => p.Value)];
        }
    }

    public IReadOnlyList<T> ListByOwner(string ownerUid)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerUid);
        lock (_lock)
        {
            return _byOwner.TryGetValue(ownerUid, out var keys) ? [.. keys.Select(k => _objects[k])] : [];
        }
    }

    /// <summary>Stores <paramref name="value"/>; returns the object it replaced, if any.</summary>
    public T? Upsert(T value)
    {
        lock (_lock)
        {
            return UpsertLocked(value);
        }
    }

    private T? UpsertLocked(T value)
    {
        var key = ObjectKey.Of(value);
        var old = RemoveLocked(key);
        _objects[key] = value;
        foreach (var uid in OwnerUids(value))
        {
            if (!_byOwner.TryGetValue(uid, out var keys))
            {
                _byOwner[uid] = keys = [];
            }

            keys.Add(key);
        }

        return old;
    }

    /// <summary>Removes the object; returns it, or null when it was not cached.</summary>
    public T? Remove(ObjectKey key)
    {
        lock (_lock)
        {
            return RemoveLocked(key);
        }
    }

    /// <summary>
    /// Replaces the whole content with a fresh list and returns what changed, so a re-list after a lost watch
    /// announces the deletions and changes that the watch missed. Unchanged objects (same resourceVersion) yield nothing.
    /// </summary>
    public IReadOnlyList<InformerEvent<T>> Replace(IReadOnlyList<T> fresh)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        var changes = new List<InformerEvent<T>>();
        lock (_lock)
        {
            var freshKeys = fresh.Select(ObjectKey.Of).ToHashSet();
            foreach (var gone in _objects.Keys.Where(k => !freshKeys.Contains(k)).ToList())
            {
                changes.Add(new(InformerEventType.Deleted, RemoveLocked(gone)!));
            }

            foreach (var value in fresh)
            {
                _objects.TryGetValue(ObjectKey.Of(value), out var old);
                if (old is not null && old.Metadata.ResourceVersion == value.Metadata.ResourceVersion)
                {
                    continue;
                }

                UpsertLocked(value);
                changes.Add(old is null ? new(InformerEventType.Added, value) : new(InformerEventType.Modified, value, old));
            }
        }

        return changes;
    }

    private T? RemoveLocked(ObjectKey key)
    {
        if (!_objects.Remove(key, out var old))
        {
            return null;
        }

        foreach (var uid in OwnerUids(old))
        {
            if (_byOwner.TryGetValue(uid, out var keys) && keys.Remove(key) && keys.Count == 0)
            {
                _byOwner.Remove(uid);
            }
        }

        return old;
    }

    private static IEnumerable<string> OwnerUids(T value) =>
        value.Metadata.OwnerReferences?.Select(o => o.Uid).Where(uid => !string.IsNullOrEmpty(uid)).Distinct(StringComparer.Ordinal) ?? [];

    private static bool HasLabels(T value, IReadOnlyDictionary<string, string> matchLabels)
    {
        var labels = value.Metadata.Labels;
        foreach (var (name, expected) in matchLabels)
        {
            if (labels is null || !labels.TryGetValue(name, out var actual) || actual != expected)
            {
                return false;
            }
        }

        return true;
    }
}
