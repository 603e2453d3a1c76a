using System.Collections.Concurrent;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Reconciliation;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>
/// A reconciler for tests: records every key it is called with, how many calls overlapped (overall and per key),
/// and answers what <see cref="Respond"/> says (success by default) after an optional <see cref="Hold"/>.
/// </summary>
internal sealed class RecordingReconciler<T> : IReconciler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentQueue<ObjectKey> _calls = new();
    private readonly ConcurrentDictionary<ObjectKey, int> _inFlightPerKey = new();
    private int _inFlight;
    private int _maxInFlight;
    private int _sameKeyOverlaps;
    private int _completed;

    public TimeSpan Hold { get; set; }

    public Func<ObjectKey, int, ReconcileResult> Respond { get; set; } = (_, _) => ReconcileResult.Success();

    public IReadOnlyList<ObjectKey> Calls => [.. _calls];

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Times a key was reconciled while another reconcile of the same key was running (must stay 0).</summary>
    public int SameKeyOverlaps => Volatile.Read(ref _sameKeyOverlaps);

    /// <summary>Reconciles that ran to the end (not cancelled).</summary>
    public int Completed => Volatile.Read(ref _completed);

    public int CallsFor(ObjectKey key) => _calls.Count(k => k == key);

    public void Clear() => _calls.Clear();

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var attempt = CallsFor(key);
        _calls.Enqueue(key);
        if (_inFlightPerKey.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
        {
            Interlocked.Increment(ref _sameKeyOverlaps);
        }

        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while ((seen = Volatile.Read(ref _maxInFlight)) < now && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }

        try
        {
            if (Hold > TimeSpan.Zero)
            {
                await Task.Delay(Hold, cancellationToken);
            }

            var result = Respond(key, attempt);
            Interlocked.Increment(ref _completed);
            return result;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _inFlightPerKey.AddOrUpdate(key, 0, (_, n) => n - 1);
        }
    }
}
