using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>
/// List and watch through the client's generic custom-object endpoints, which also serve built-in kinds
/// (an empty group becomes <c>/api/v1</c>) and, unlike <see cref="GenericClient"/>, take resourceVersion and
/// allowWatchBookmarks.
/// <para>
/// A <paramref name="fieldSelector"/> of <c>metadata.name=NAME</c> narrows it to one named object, so an informer runs
/// on RBAC that grants list and watch only through <c>resourceNames</c>: the API server authorizes such a request by
/// that name.
/// </para>
/// </summary>
internal sealed class KubernetesListWatchClient<T>(IKubernetes client, string? @namespace, string? labelSelector, int pageSize, string? fieldSelector = null) : IListWatchClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public ResourceKind Kind { get; } = ResourceKind.Of<T>();

    public async Task<ListPage<T>> ListAsync(string? continueToken, CancellationToken cancellationToken)
    {
        using var response = @namespace is null
            ? await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<KubernetesList<T>>(
                Kind.Group, Kind.Version, Kind.Plural, continueParameter: continueToken, fieldSelector: fieldSelector, labelSelector: labelSelector, limit: pageSize, cancellationToken: cancellationToken)
            : await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<KubernetesList<T>>(
                Kind.Group, Kind.Version, @namespace, Kind.Plural, continueParameter: continueToken, fieldSelector: fieldSelector, labelSelector: labelSelector, limit: pageSize, cancellationToken: cancellationToken);
        var list = response.Body;
        return new ListPage<T>([.. list.Items ?? []], list.Metadata?.ResourceVersion ?? string.Empty, list.Metadata?.ContinueProperty);
    }

    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, TimeSpan timeout, Action<Exception> onError, CancellationToken cancellationToken)
    {
        var timeoutSeconds = (int)Math.Max(1, timeout.TotalSeconds);
        var raw = @namespace is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync(
                Kind.Group, Kind.Version, Kind.Plural, allowWatchBookmarks: true, fieldSelector: fieldSelector, labelSelector: labelSelector, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                Kind.Group, Kind.Version, @namespace, Kind.Plural, allowWatchBookmarks: true, fieldSelector: fieldSelector, labelSelector: labelSelector, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
        return Typed(raw, onError, cancellationToken);
    }

    // The custom-object watch yields raw JSON; an event that does not convert ends the stream through onError.
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
