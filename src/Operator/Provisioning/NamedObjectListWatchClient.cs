using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentOperator.Operator.Runtime.Informers;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// Lists and watches one named object (<c>fieldSelector=metadata.name=NAME</c>), so an informer runs on RBAC that
/// grants list and watch only through <c>resourceNames</c>: the API server authorizes such a request by that name.
/// </summary>
internal sealed class NamedObjectListWatchClient<T>(IKubernetes client, string @namespace, string name) : IListWatchClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly string _fieldSelector = $"metadata.name={name}";

    public ResourceKind Kind { get; } = ResourceKind.Of<T>();

    public async Task<ListPage<T>> ListAsync(string? continueToken, CancellationToken cancellationToken)
    {
        using var response = await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<KubernetesList<T>>(
            Kind.Group, Kind.Version, @namespace, Kind.Plural, continueParameter: continueToken, fieldSelector: _fieldSelector, cancellationToken: cancellationToken);
        var list = response.Body;
        return new ListPage<T>([.. list.Items ?? []], list.Metadata?.ResourceVersion ?? string.Empty, list.Metadata?.ContinueProperty);
    }

    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, TimeSpan timeout, Action<Exception> onError, CancellationToken cancellationToken)
    {
        var raw = client.CustomObjects.WatchListNamespacedCustomObjectAsync(
            Kind.Group, Kind.Version, @namespace, Kind.Plural, allowWatchBookmarks: true, fieldSelector: _fieldSelector, resourceVersion: resourceVersion,
            timeoutSeconds: (int)Math.Max(1, timeout.TotalSeconds), onError: onError, cancellationToken: cancellationToken);
        return Typed(raw, onError, cancellationToken);
    }

    private static async IAsyncEnumerable<(WatchEventType Type, T Object)> Typed(
        IAsyncEnumerable<(WatchEventType, object)> raw, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (type, value) in raw.WithCancellation(cancellationToken))
        {
            T? typed;
            try
            {
                typed = value is JsonElement json ? KubernetesJson.Deserialize<T>(json) : (T)value;
            }
            catch (JsonException e)
            {
                onError(e);
                yield break;
            }

            if (typed?.Metadata is null)
            {
                onError(new JsonException($"a {type} event of {typeof(T).Name} has no metadata"));
                yield break;
            }

            yield return (type, typed);
        }
    }
}
