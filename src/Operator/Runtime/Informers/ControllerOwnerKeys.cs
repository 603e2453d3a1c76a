using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>Maps a change of an owned child to the key of its controlling owner of a given kind.</summary>
internal static class ControllerOwnerKeys
{
    /// <summary>
    /// The key of the owner named by the child's ownerReference with <c>controller: true</c> when it is of
    /// <paramref name="ownerKind"/>; for an update that moved the child to another owner, both owners.
    /// </summary>
    public static IEnumerable<ObjectKey> Of<TChild>(ResourceKind ownerKind, InformerEvent<TChild> change)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(ownerKind);
        ArgumentNullException.ThrowIfNull(change);
        var current = Owner(ownerKind, change.Object);
        if (current is not null)
        {
            yield return current.Value;
        }

        var previous = change.Old is null ? null : Owner(ownerKind, change.Old);
        if (previous is not null && previous != current)
        {
            yield return previous.Value;
        }
    }

    private static ObjectKey? Owner<TChild>(ResourceKind ownerKind, TChild child)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        var owner = child.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        if (owner is null || owner.Kind != ownerKind.Kind || !ownerKind.MatchesApiGroupOf(owner.ApiVersion))
        {
            return null;
        }

        // Namespaced owners own children in their own namespace only (ownerReferences carry no namespace).
        return new ObjectKey(child.Metadata.NamespaceProperty, owner.Name);
    }
}
