using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>
/// Lets through everything except updates that touch only status (or other fields that do not bump
/// <c>metadata.generation</c>): an update passes when the generation, labels, annotations, finalizers or
/// deletionTimestamp changed. The operator's own status writes therefore do not wake it up again.
/// Kinds without a generation cannot be told apart and always pass.
/// </summary>
internal sealed class SpecOrMetadataChangedPredicate<T> : IEventPredicate<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public static SpecOrMetadataChangedPredicate<T> Instance { get; } = new();

    public bool ShouldEnqueue(InformerEvent<T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Type != InformerEventType.Modified || change.Old is null)
        {
            return true;
        }

        var before = change.Old.Metadata;
        var after = change.Object.Metadata;
        if (before.Generation is null || after.Generation is null)
        {
            return true;
        }

        return before.Generation != after.Generation
            || !SameMap(before.Labels, after.Labels)
            || !SameMap(before.Annotations, after.Annotations)
            || !(before.Finalizers ?? []).SequenceEqual(after.Finalizers ?? [])
            || before.DeletionTimestamp != after.DeletionTimestamp;
    }

    private static bool SameMap(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        return a is null || a.All(p => b!.TryGetValue(p.Key, out var value) && value == p.Value);
    }
}
