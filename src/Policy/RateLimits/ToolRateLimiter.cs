using System.Collections.Concurrent;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.RateLimits;

/// <summary>
/// Token buckets per workflow and tool. Keep one instance for the life of the gateway so limits survive
/// bundle reloads; a bucket is replaced only when its limit changes.
/// </summary>
public sealed class ToolRateLimiter(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<(string Workflow, string Tool), TokenBucket> _buckets = new();

    /// <summary>Takes one call from the bucket of (workflow, tool); false with a retry delay when exhausted.</summary>
    public bool TryAcquire(string workflow, string tool, RateLimit limit, out TimeSpan retryAfter)
    {
        var key = (workflow, tool);
        var bucket = _buckets.GetOrAdd(key, _ => new TokenBucket(limit, timeProvider));
        if (bucket.Limit != limit)
        {
            var replacement = new TokenBucket(limit, timeProvider);
            bucket = _buckets.TryUpdate(key, replacement, bucket) ? replacement : _buckets[key];
        }

        return bucket.TryTake(out retryAfter);
    }
}
