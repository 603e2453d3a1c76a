using System.Collections.Concurrent;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// The workflow objects our own writes (finalizer, status) returned, until the informer cache catches up.
/// <para>
/// Without it, the reconcile right after a status write can read the previous status from the cache and act on
/// it: revoke the same credentials twice, or treat a promoted revision as not yet stable. resourceVersions are
/// opaque, so nothing is compared by order: every write is guarded by the resourceVersion it was based on, hence a
/// cache still holding one of those superseded versions has not seen our write, and the written object is newer.
/// A cache holding any other version has moved on and is used as is.
/// </para>
/// </summary>
internal sealed class RecentWorkflowWrites
{
    private readonly ConcurrentDictionary<ObjectKey, Entry> _entries = new();

    /// <summary>The newest known state of the workflow: ours if the cache has not caught up, else the cached one.</summary>
    public AgentWorkflow Latest(AgentWorkflow cached)
    {
        var key = ObjectKey.Of(cached);
        if (_entries.TryGetValue(key, out var entry))
        {
            if (cached.Metadata.Uid == entry.Written.Metadata.Uid && entry.Superseded.Contains(cached.Metadata.ResourceVersion ?? ""))
            {
                return entry.Written;
            }

            _entries.TryRemove(KeyValuePair.Create(key, entry));
        }

        return cached;
    }

    /// <summary>Remembers that a write based on <paramref name="basedOn"/> returned <paramref name="written"/>.</summary>
    public void Remember(AgentWorkflow basedOn, AgentWorkflow written)
    {
        var key = ObjectKey.Of(written);
        var baseVersion = basedOn.Metadata.ResourceVersion ?? "";
        _entries.AddOrUpdate(
            key,
            _ => new Entry([baseVersion], written),
            (_, previous) => previous.Written.Metadata.ResourceVersion == baseVersion
                ? new Entry([.. previous.Superseded, baseVersion], written)
                : new Entry([baseVersion], written));
    }

    public void Forget(ObjectKey key) => _entries.TryRemove(key, out _);

    private sealed record Entry(HashSet<string> Superseded, AgentWorkflow Written);
}
