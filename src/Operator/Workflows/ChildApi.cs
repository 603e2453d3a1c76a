using AgentOperator.Operator.Runtime.Informers;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// The API calls the reconciler makes for one kind of namespaced child, addressed by the group, version and plural
/// of <typeparamref name="T"/>'s <see cref="KubernetesEntityAttribute"/> through the client's generic calls (which
/// map the core group to <c>/api/v1</c>). Errors are the typed calls' <c>HttpOperationException</c>s.
/// </summary>
internal sealed class ChildApi<T>(IKubernetes client)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ResourceKind _resource = ResourceKind.Of<T>();

    /// <summary>Kind name, for logs and Events.</summary>
    public string Kind => _resource.Kind;

    /// <summary>Creates the body in the namespace.</summary>
    public Task<T> Create(T body, string ns, CancellationToken ct) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync<T>(body, _resource.Group, _resource.Version, ns, _resource.Plural, cancellationToken: ct);

    /// <summary>Applies <paramref name="patch"/> (in its own patch type) to (name, namespace).</summary>
    public Task<T> Patch(V1Patch patch, string name, string ns, CancellationToken ct) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync<T>(patch, _resource.Group, _resource.Version, ns, _resource.Plural, name, cancellationToken: ct);

    /// <summary>Deletes (name, namespace) with options (uid precondition, propagation).</summary>
    public Task Delete(string name, string ns, V1DeleteOptions options, CancellationToken ct) =>
        client.CustomObjects.DeleteNamespacedCustomObjectAsync(_resource.Group, _resource.Version, ns, _resource.Plural, name, options, cancellationToken: ct);

    /// <summary>Reads (name, namespace) from the API server, bypassing the cache.</summary>
    public Task<T> Read(string name, string ns, CancellationToken ct) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<T>(_resource.Group, _resource.Version, ns, _resource.Plural, name, ct);
}
