using System.Diagnostics.CodeAnalysis;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Informers;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// An informer cache seen through the objects this reconcile has already written (by name): a later step compares
/// against what its own write returned instead of the version the cache has not replaced yet, so it neither writes
/// the same change twice nor fails its resourceVersion guard.
/// </summary>
internal sealed class WrittenFirstCache<T>(IObjectCache<T> cache, IReadOnlyDictionary<string, T> written) : IObjectCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public int Count => cache.Count;

    public bool TryGet(ObjectKey key, [MaybeNullWhen(false)] out T value) =>
        (written.TryGetValue(key.Name, out value) && value.Metadata.NamespaceProperty == key.Namespace) || cache.TryGet(key, out value);

    public IReadOnlyList<T> List(string? @namespace = null) => cache.List(@namespace);

    public IReadOnlyList<T> ListByLabels(IReadOnlyDictionary<string, string> matchLabels, string? @namespace = null) => cache.ListByLabels(matchLabels, @namespace);

    public IReadOnlyList<T> ListByOwner(string ownerUid) => cache.ListByOwner(ownerUid);
}
