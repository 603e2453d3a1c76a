using System.Diagnostics.CodeAnalysis;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>
/// The informer's in-memory copy of one kind, kept current by list + watch. Thread-safe. The objects are shared:
/// read them, never mutate them (copy before you change and write).
/// </summary>
internal interface IObjectCache<T>
    where T : class
{
    int Count { get; }

    bool TryGet(ObjectKey key, [MaybeNullWhen(false)] out T value);

    /// <summary>Every cached object, or those of one namespace.</summary>
    IReadOnlyList<T> List(string? @namespace = null);

    /// <summary>Objects whose labels include every pair of <paramref name="matchLabels"/> (a selector's matchLabels).</summary>
    IReadOnlyList<T> ListByLabels(IReadOnlyDictionary<string, string> matchLabels, string? @namespace = null);

    /// <summary>Objects with an ownerReference to the object with this UID (controller or not).</summary>
    IReadOnlyList<T> ListByOwner(string ownerUid);
}
