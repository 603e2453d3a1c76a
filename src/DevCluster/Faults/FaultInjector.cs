using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Faults;

/// <summary>
/// Makes the server misbehave on purpose, for tests of client resilience. Nothing is injected unless a test
/// asks: failing the next N matching requests, adding latency, dropping every watch, forgetting watch history.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _lock = new();
    private readonly List<FaultRule> _rules = [];
    private readonly ObjectStore _store;
    private readonly TimeProvider _time;
    private TimeSpan _latency;

    internal FaultInjector(ObjectStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests with this verb (get, list, watch, create, update, patch,
    /// delete, deletecollection; null for any) on this resource (plural, e.g. "deployments"; null for any) with a
    /// 409 Conflict, 429 TooManyRequests (with Retry-After) or 500 InternalError Status.
    /// </summary>
    public void FailNext(string? verb, string? resource, int statusCode, int count = 1, int retryAfterSeconds = 1)
    {
        if (statusCode is not (409 or 429 or 500))
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "409, 429 or 500");
        }

        lock (_lock)
        {
            _rules.Add(new FaultRule(verb, resource, statusCode, count, retryAfterSeconds));
        }
    }

    /// <summary>Delays every API request by <paramref name="latency"/> (TimeSpan.Zero turns it off).</summary>
    public void SetLatency(TimeSpan latency) => _latency = latency;

    /// <summary>Closes every client watch stream now, as an apiserver restart would; returns how many were closed.</summary>
    public int DropAllWatches() => _store.CloseClientWatches("dropped by fault injection");

    /// <summary>Forgets all watch history: any watch resuming from an older resourceVersion gets 410 Gone.</summary>
    public void ExpireWatchHistory() => _store.CompactHistory();

    /// <summary>Removes every pending failure and the latency.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _rules.Clear();
        }

        _latency = TimeSpan.Zero;
    }

    internal async Task BeforeRequestAsync(string verb, string resource, string name, GroupResource groupResource, CancellationToken ct)
    {
        if (_latency > TimeSpan.Zero)
        {
            await Task.Delay(_latency, _time, ct);
        }

        FaultRule? hit = null;
        lock (_lock)
        {
            if (_rules.Count == 0)
            {
                return;
            }

            hit = _rules.FirstOrDefault(r => r.Matches(verb, resource) && r.TryConsume());
            _rules.RemoveAll(r => r.Remaining <= 0);
        }

        switch (hit?.StatusCode)
        {
            case 409:
                throw ApiErrors.Conflict(groupResource, name, ApiErrors.ObjectModified);
            case 429:
                throw ApiErrors.TooManyRequests(hit.RetryAfterSeconds);
            case 500:
                throw ApiErrors.InternalError("injected fault");
        }
    }
}
