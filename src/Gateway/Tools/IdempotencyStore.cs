using System.Collections.Concurrent;

namespace AgentOperator.Gateway.Tools;

/// <summary>
/// Makes a keyed tool call execute at most once per gateway: the first caller with a key runs the call,
/// every concurrent or later caller with the same key awaits and gets the same response. A key reused with
/// a different input is refused. Responses that leave the outcome open (the upstream was not reached, or
/// timed out) are not kept, so the agent may retry them; the key is forwarded upstream either way.
/// Entries are kept for <see cref="Retention"/>, at most <see cref="Capacity"/> of them.
/// </summary>
public sealed class IdempotencyStore(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _lastSweepTicks;

    /// <summary>How long a response is replayed for its key.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Most keys kept; the oldest are evicted beyond it.</summary>
    public int Capacity { get; init; } = 100_000;

    /// <summary>Keys currently kept.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Runs <paramref name="execute"/> once for <paramref name="key"/>. Returns the response and whether it
    /// was replayed; <c>Mismatch</c> when the key was used with another input.
    /// </summary>
    public async Task<IdempotentExecution> ExecuteOnceAsync(string key, string inputSha256, Func<Task<(ToolCallResponse Response, bool Keep)>> execute)
    {
        Sweep();
        var created = new Entry(inputSha256, timeProvider.GetUtcNow(), new Lazy<Task<(ToolCallResponse, bool)>>(execute, LazyThreadSafetyMode.ExecutionAndPublication));
        var entry = _entries.GetOrAdd(key, created);
        if (!string.Equals(entry.InputSha256, inputSha256, StringComparison.Ordinal))
        {
            return new IdempotentExecution(null, Replayed: false, Mismatch: true);
        }

        (ToolCallResponse Response, bool Keep) result;
        try
        {
            result = await entry.Execution.Value;
        }
        catch
        {
            _entries.TryRemove(KeyValuePair.Create(key, entry));
            throw;
        }

        if (!result.Keep)
        {
            _entries.TryRemove(KeyValuePair.Create(key, entry));
        }

        return new IdempotentExecution(result.Response, Replayed: !ReferenceEquals(entry, created), Mismatch: false);
    }

    private void Sweep()
    {
        var now = timeProvider.GetUtcNow();
        var last = Interlocked.Read(ref _lastSweepTicks);
        if (_entries.Count <= Capacity && now.UtcTicks - last < TimeSpan.FromMinutes(1).Ticks)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastSweepTicks, now.UtcTicks, last) != last)
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (now - entry.CreatedAt > Retention && entry.Execution.IsValueCreated && entry.Execution.Value.IsCompleted)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }

        var excess = _entries.Count - Capacity;
        if (excess > 0)
        {
            foreach (var (key, entry) in _entries.Where(e => e.Value.Execution.IsValueCreated && e.Value.Execution.Value.IsCompleted).OrderBy(e => e.Value.CreatedAt).Take(excess).ToList())
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    private sealed record Entry(string InputSha256, DateTimeOffset CreatedAt, Lazy<Task<(ToolCallResponse, bool)>> Execution);
}
