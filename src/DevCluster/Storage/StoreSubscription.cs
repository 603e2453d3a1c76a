using System.Threading.Channels;

namespace AgentOperator.DevCluster.Storage;

/// <summary>
/// A watcher's queue of committed events. The store only ever appends to it (never waits), so one slow watcher
/// cannot hold up a write or another watcher; a watcher whose backlog passes its limit is closed instead, as
/// kube-apiserver closes watchers that stop reading.
/// </summary>
internal sealed class StoreSubscription : IDisposable
{
    private readonly Channel<StoreEvent> _channel = Channel.CreateUnbounded<StoreEvent>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly Action<StoreSubscription> _unsubscribe;
    private readonly int _maxBacklog;
    private int _backlog;

    public StoreSubscription(GroupResource? resource, string? ns, int maxBacklog, bool isInternal, Action<StoreSubscription> unsubscribe)
    {
        Resource = resource;
        Namespace = ns;
        _maxBacklog = maxBacklog;
        IsInternal = isInternal;
        _unsubscribe = unsubscribe;
    }

    /// <summary>The resource watched; null for the cluster's own controllers, which see every change.</summary>
    public GroupResource? Resource { get; }

    /// <summary>The namespace watched; null for all namespaces.</summary>
    public string? Namespace { get; }

    /// <summary>Controllers' subscriptions survive the "drop all watches" fault; clients' do not.</summary>
    public bool IsInternal { get; }

    /// <summary>Why the store closed this subscription, if it did.</summary>
    public string? ClosedReason { get; private set; }

    public bool Matches(StoreEvent e) =>
        (Resource is null || Resource.Value == e.Resource) &&
        (Namespace is null || Namespace == e.Object.Namespace);

    /// <summary>Queues an event without blocking; called by the store under its lock.</summary>
    public void Offer(StoreEvent e)
    {
        if (Interlocked.Increment(ref _backlog) > _maxBacklog)
        {
            Close("watcher fell behind: backlog limit reached");
            return;
        }

        _channel.Writer.TryWrite(e);
    }

    public void Close(string reason)
    {
        ClosedReason ??= reason;
        _channel.Writer.TryComplete();
    }

    /// <summary>Reads events in order until the subscription is closed or <paramref name="ct"/> fires.</summary>
    public async IAsyncEnumerable<StoreEvent> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync(ct))
        {
            while (reader.TryRead(out var e))
            {
                Interlocked.Decrement(ref _backlog);
                yield return e;
            }
        }
    }

    /// <summary>Waits until an event is queued; false once the subscription is closed and drained.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken ct) => _channel.Reader.WaitToReadAsync(ct);

    /// <summary>Takes an event if one is queued now.</summary>
    public bool TryRead(out StoreEvent? e)
    {
        if (_channel.Reader.TryRead(out var read))
        {
            Interlocked.Decrement(ref _backlog);
            e = read;
            return true;
        }

        e = null;
        return false;
    }

    public void Dispose()
    {
        _unsubscribe(this);
        _channel.Writer.TryComplete();
    }
}
