using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>
/// Keeps a cache of one kind current and tells handlers what changed: list (paged), then watch from the list's
/// resourceVersion with bookmarks, remembering the last resourceVersion of every event and bookmark.
/// <list type="bullet">
/// <item>A watch the server ends normally resumes from the last resourceVersion.</item>
/// <item>410 Gone (the resourceVersion is older than the server's history) re-lists; the re-list diff announces
/// what the watch missed, deletions included.</item>
/// <item>Any other failure reconnects after a capped, jittered exponential backoff, logging why.</item>
/// <item>Every <see cref="InformerOptions.ResyncPeriod"/>, each cached object is announced again as
/// <see cref="InformerEventType.Resync"/>.</item>
/// </list>
/// </summary>
internal sealed partial class Informer<T> : IInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IListWatchClient<T> _client;
    private readonly InformerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ObjectCache<T> _cache = new();
    private readonly Lock _handlersLock = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReconnectBackoff _backoff;
    private ImmutableHandlers _handlers = new([]);
    private string? _resourceVersion;
    private long _lists;
    private volatile bool _watching;

    public Informer(IListWatchClient<T> client, InformerOptions options, TimeProvider time, ILogger<Informer<T>> logger)
    {
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _backoff = new ReconnectBackoff(options.ReconnectBaseDelay, options.ReconnectMaxDelay, Random.Shared);
    }

    public ResourceKind Kind => _client.Kind;

    public IObjectCache<T> Cache => _cache;

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion the next watch resumes from (the last event's or bookmark's).</summary>
    public string? ResourceVersion => Volatile.Read(ref _resourceVersion);

    /// <summary>True while a watch stream is open and has delivered at least one event or bookmark.</summary>
    public bool IsWatching => _watching;

    /// <summary>How many full lists were made (the first one and every re-list).</summary>
    public long ListCount => Interlocked.Read(ref _lists);

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Calls <paramref name="handler"/> for every change, on the informer's loop (keep it short: map to keys and
    /// enqueue). Objects already cached are announced to it as <see cref="InformerEventType.Added"/> first.
    /// </summary>
    public IDisposable AddHandler(Action<InformerEvent<T>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_handlersLock)
        {
            foreach (var existing in _cache.List())
            {
                Invoke(handler, new InformerEvent<T>(InformerEventType.Added, existing));
            }

            _handlers = new([.. _handlers.All, handler]);
        }

        return new Registration(this, handler);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var resync = _options.ResyncPeriod > TimeSpan.Zero ? _time.CreateTimer(_ => Resync(), null, _options.ResyncPeriod, _options.ResyncPeriod) : null;
        var needsList = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needsList)
                {
                    await ListAsync(cancellationToken);
                    needsList = false;
                }

                var end = await WatchAsync(cancellationToken);
                switch (end)
                {
                    case WatchEnd.Expired:
                        LogExpired(Kind, ResourceVersion);
                        needsList = true;
                        break;
                    case WatchEnd.Lost:
                        needsList = true;
                        await Task.Delay(_backoff.Next(), _time, cancellationToken);
                        break;
                    case WatchEnd.ClosedHealthy:
                        _backoff.Reset();
                        break;
                    case WatchEnd.ClosedEarly:
                        var delay = _backoff.Next();
                        LogClosedEarly(Kind, ResourceVersion, delay);
                        await Task.Delay(delay, _time, cancellationToken);
                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                // A paged list whose continue token (or resourceVersion) expired: start over.
                LogExpired(Kind, ResourceVersion);
                needsList = true;
            }
#pragma warning disable CA1031 // The loop must survive every API failure; it logs and retries.
            catch (Exception e)
#pragma warning restore CA1031
            {
                var delay = _backoff.Next();
                LogReconnecting(e, Kind, needsList ? "list" : "watch", Describe(e), ResourceVersion, _backoff.Failures, delay);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Announces every cached object again (what the resync timer does).</summary>
    public void Resync()
    {
        if (!HasSynced)
        {
            return;
        }

        foreach (var value in _cache.List())
        {
            Dispatch(new InformerEvent<T>(InformerEventType.Resync, value));
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            var page = await _client.ListAsync(continueToken, cancellationToken);
            items.AddRange(page.Items);
            continueToken = page.Continue;
            resourceVersion = page.ResourceVersion;
        }
        while (!string.IsNullOrEmpty(continueToken));

        Interlocked.Increment(ref _lists);
        foreach (var change in _cache.Replace(items))
        {
            Dispatch(change);
        }

        Volatile.Write(ref _resourceVersion, resourceVersion);
        LogListed(Kind, items.Count, resourceVersion);
        _synced.TrySetResult();
    }

    private async Task<WatchEnd> WatchAsync(CancellationToken cancellationToken)
    {
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? streamError = null;
        var timeout = _options.WatchTimeout * (1 + Random.Shared.NextDouble());
        var started = _time.GetUtcNow();
        var events = 0;
        try
        {
            var watch = _client.WatchAsync(ResourceVersion ?? "0", timeout, e =>
            {
                // An error inside the stream: stop reading so the loop can decide (re-list, or reconnect).
                streamError ??= e;
                stream.Cancel();
            }, stream.Token);
            await foreach (var (type, value) in watch)
            {
                _watching = true;
                events += type == WatchEventType.Bookmark ? 0 : 1;
                Apply(type, value);
            }
        }
        catch (OperationCanceledException) when (streamError is not null && !cancellationToken.IsCancellationRequested)
        {
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
        {
            return WatchEnd.Expired;
        }
        finally
        {
            _watching = false;
        }

        switch (streamError)
        {
            case null:
                // A watch that ends at once repeatedly would spin: only a watch that delivered or lived counts as healthy.
                return events > 0 || _time.GetUtcNow() - started >= TimeSpan.FromSeconds(1) ? WatchEnd.ClosedHealthy : WatchEnd.ClosedEarly;
            case KubernetesException { Status.Code: (int)HttpStatusCode.Gone }:
                return WatchEnd.Expired;
            case KubernetesException status:
                throw new InvalidOperationException($"the watch returned an error status: {status.Status?.Code} {status.Status?.Reason} {status.Status?.Message}", status);
            default:
                // An event we could not read is an event the cache missed: re-list rather than resume past it.
                LogUnreadableEvent(streamError, Kind);
                return WatchEnd.Lost;
        }
    }

    private void Apply(WatchEventType type, T value)
    {
        var resourceVersion = value.Metadata?.ResourceVersion;
        switch (type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                var old = _cache.Upsert(value);
                Dispatch(old is null ? new(InformerEventType.Added, value) : new(InformerEventType.Modified, value, old));
                break;
            case WatchEventType.Deleted:
                _cache.Remove(ObjectKey.Of(value));
                Dispatch(new(InformerEventType.Deleted, value));
                break;
            case WatchEventType.Bookmark:
            case WatchEventType.Error:
            default:
                break;
        }

        if (!string.IsNullOrEmpty(resourceVersion))
        {
            Volatile.Write(ref _resourceVersion, resourceVersion);
        }
    }

    private void Dispatch(InformerEvent<T> change)
    {
        foreach (var handler in Volatile.Read(ref _handlers).All)
        {
            Invoke(handler, change);
        }
    }

    private void Invoke(Action<InformerEvent<T>> handler, InformerEvent<T> change)
    {
        try
        {
            handler(change);
        }
#pragma warning disable CA1031 // One faulty handler must not stop the informer or the other handlers.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHandlerFailed(e, Kind, change.Type, ObjectKey.Of(change.Object));
        }
    }

    private void RemoveHandler(Action<InformerEvent<T>> handler)
    {
        lock (_handlersLock)
        {
            _handlers = new([.. _handlers.All.Where(h => h != handler)]);
        }
    }

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException http => $"HTTP {(int)http.Response.StatusCode} {http.Response.ReasonPhrase}",
        HttpRequestException request => $"connection failed: {request.Message}",
        IOException io => $"stream broken: {io.Message}",
        _ => e.Message,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Listed {Kind}: {Count} objects at resourceVersion {ResourceVersion}")]
    private partial void LogListed(ResourceKind kind, int count, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Kind} expired at resourceVersion {ResourceVersion} (410 Gone); re-listing")]
    private partial void LogExpired(ResourceKind kind, string? resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of {Kind} closed at once without events (resourceVersion {ResourceVersion}); reconnecting in {Delay}")]
    private partial void LogClosedEarly(ResourceKind kind, string? resourceVersion, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of {Kind} delivered an unreadable event; re-listing")]
    private partial void LogUnreadableEvent(Exception e, ResourceKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} of {Kind} failed ({Reason}) at resourceVersion {ResourceVersion}; attempt {Attempt}, reconnecting in {Delay}")]
    private partial void LogReconnecting(Exception e, ResourceKind kind, string operation, string reason, string? resourceVersion, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "A handler of {Kind} failed on {EventType} of {Key}")]
    private partial void LogHandlerFailed(Exception e, ResourceKind kind, InformerEventType eventType, ObjectKey key);

    private enum WatchEnd
    {
        ClosedHealthy,
        ClosedEarly,
        Expired,
        Lost,
    }

    /// <summary>Copy-on-write handler list: dispatch reads it without a lock.</summary>
    private sealed record ImmutableHandlers(IReadOnlyList<Action<InformerEvent<T>>> All);

    private sealed class Registration(Informer<T> informer, Action<InformerEvent<T>> handler) : IDisposable
    {
        public void Dispose() => informer.RemoveHandler(handler);
    }
}
