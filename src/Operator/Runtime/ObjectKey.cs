using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Runtime;

/// <summary>
/// Identifies one object: its namespace (null for cluster-scoped objects) and name. The unit of work of the
/// queue and the whole of a reconcile request.
/// </summary>
internal readonly record struct ObjectKey
{
    public ObjectKey(string? @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Namespace = string.IsNullOrEmpty(@namespace) ? null : @namespace;
        Name = name;
    }

    /// <summary>Namespace of the object; null when it is cluster-scoped.</summary>
    public string? Namespace { get; }

    public string Name { get; }

    /// <summary>The key of <paramref name="obj"/>.</summary>
    public static ObjectKey Of(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return new(obj.Metadata.NamespaceProperty, obj.Metadata.Name);
    }

    /// <summary><c>namespace/name</c>, or <c>name</c> for cluster-scoped objects, as kubectl and client-go print it.</summary>
    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}
