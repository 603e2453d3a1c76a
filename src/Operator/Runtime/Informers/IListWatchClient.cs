using k8s;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>The two API calls an informer makes. A seam: the real one is <see cref="KubernetesListWatchClient{T}"/>.</summary>
internal interface IListWatchClient<T>
    where T : class
{
    ResourceKind Kind { get; }

    /// <summary>Lists one page (<paramref name="continueToken"/> null for the first).</summary>
    Task<ListPage<T>> ListAsync(string? continueToken, CancellationToken cancellationToken);

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks until the server closes the stream after
    /// <paramref name="timeout"/>. In-stream errors (a Status such as 410 Gone, an undecodable event) go to
    /// <paramref name="onError"/>; transport errors are thrown.
    /// </summary>
    IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, TimeSpan timeout, Action<Exception> onError, CancellationToken cancellationToken);
}
