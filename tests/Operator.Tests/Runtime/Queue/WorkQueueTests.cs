using AgentOperator.Operator.Runtime.Queue;
using Microsoft.Extensions.Time.Testing;

namespace AgentOperator.Operator.Tests.Runtime.Queue;

public sealed class WorkQueueTests : IDisposable
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(5);
    private readonly CountingTimeProvider _time = new();
    private readonly RecordingQueueMetrics _metrics = new();
    private readonly WorkQueue<string> _queue;

    public WorkQueueTests()
    {
        _queue = new WorkQueue<string>(new PerKeyExponentialBackoff<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)), _time, _metrics);
    }

    public void Dispose() => _queue.Dispose();

    [Fact]
    public async Task Add_SameKeyTwiceBeforeDequeue_IsHandedOutOnce()
    {
        _queue.Add("a");
        _queue.Add("a");
        _queue.Add("b");

        Assert.Equal(2, _queue.Depth);
        Assert.Equal("a", await DequeueAsync());
        Assert.Equal("b", await DequeueAsync());
        Assert.Equal(0, _queue.Depth);
    }

    [Fact]
    public async Task Add_WhileKeyIsProcessing_HandsItOutAgainOnlyAfterDone()
    {
        _queue.Add("a");
        var first = await DequeueAsync();

        _queue.Add("a");
        _queue.Add("a");
        Assert.Equal(0, _queue.Depth); // not handed to a second worker while the first holds it

        var second = _queue.TryDequeueAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(second.IsCompleted, "a key that is processing was handed to a second worker");

        _queue.Done(first);
        var (ok, key) = await second.WaitAsync(Bounded);
        Assert.True(ok);
        Assert.Equal("a", key);
        Assert.Equal(0, _queue.Depth); // the two adds while processing collapsed into one
    }

    [Fact]
    public async Task TryDequeue_DistinctKeys_AreHandedToWorkersInParallel()
    {
        var workers = Enumerable.Range(0, 3).Select(_ => _queue.TryDequeueAsync(CancellationToken.None)).ToArray();
        _queue.Add("a");
        _queue.Add("b");
        _queue.Add("c");

        var results = await Task.WhenAll(workers).WaitAsync(Bounded);

        Assert.All(results, r => Assert.True(r.Ok));
        Assert.Equal(["a", "b", "c"], results.Select(r => r.Key).Order());
        Assert.Equal(3, _queue.ProcessingCount);
    }

    [Fact]
    public async Task AddRateLimited_RepeatedFailures_WaitTwiceAsLongEachTime_AndForgetResets()
    {
        _queue.Add("a");
        var key = await DequeueAsync();
        foreach (var expected in new[] { 5, 10, 20, 40 })
        {
            _queue.AddRateLimited(key);
            _queue.Done(key);

            _time.Advance(TimeSpan.FromMilliseconds(expected - 1));
            Assert.True(_queue.Depth == 0, $"retry came before its {expected} ms backoff");
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(_queue.Depth == 1, $"retry did not come after its {expected} ms backoff");
            key = await DequeueAsync();
        }

        Assert.Equal(4, _queue.NumRequeues(key));
        Assert.Equal(4, _metrics.Retries);

        _queue.Forget(key);
        _queue.AddRateLimited(key);
        _queue.Done(key);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, _queue.Depth);
    }

    [Fact]
    public void PerKeyExponentialBackoff_GrowsPerKeyUpToTheCap()
    {
        var backoff = new PerKeyExponentialBackoff<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));

        var delays = Enumerable.Range(0, 30).Select(_ => backoff.When("a")).ToList();

        Assert.Equal(TimeSpan.FromMilliseconds(5), delays[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(10), delays[1]);
        Assert.Equal(TimeSpan.FromMilliseconds(5 * 1024), delays[10]);
        Assert.Equal(TimeSpan.FromSeconds(1000), delays[^1]);
        Assert.Equal(TimeSpan.FromMilliseconds(5), backoff.When("b")); // other keys are independent
    }

    [Fact]
    public void TokenBucket_AfterTheBurst_SpacesRetriesAtTheRate()
    {
        var bucket = new TokenBucketRateLimiter<string>(ratePerSecond: 2, burst: 3, _time);

        var burst = Enumerable.Range(0, 3).Select(i => bucket.When($"k{i}")).ToList();
        var fourth = bucket.When("k3");
        var fifth = bucket.When("k4");

        Assert.All(burst, d => Assert.Equal(TimeSpan.Zero, d));
        Assert.Equal(TimeSpan.FromMilliseconds(500), fourth);
        Assert.Equal(TimeSpan.FromSeconds(1), fifth);

        _time.Advance(TimeSpan.FromSeconds(10)); // refills to the burst, no more
        Assert.Equal(TimeSpan.Zero, bucket.When("k5"));
        Assert.Equal(TimeSpan.Zero, bucket.When("k6"));
        Assert.Equal(TimeSpan.Zero, bucket.When("k7"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), bucket.When("k8"));
    }

    [Fact]
    public void AddRateLimited_WithTheOverallBucket_TakesTheLongerOfBackoffAndBucket()
    {
        var limiter = new MaxOfRateLimiter<string>(
            new PerKeyExponentialBackoff<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new TokenBucketRateLimiter<string>(ratePerSecond: 1, burst: 1, _time));
        using var queue = new WorkQueue<string>(limiter, _time);

        queue.AddRateLimited("a"); // backoff 5 ms, bucket has its token
        queue.AddRateLimited("b"); // backoff 5 ms, bucket empty: 1 s

        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, queue.Depth);
        _time.Advance(TimeSpan.FromMilliseconds(995));
        Assert.Equal(2, queue.Depth);
    }

    [Fact]
    public async Task AddAfter_SameKeyTwice_TheEarliestTimeWins_AndTheLaterIsDropped()
    {
        _queue.AddAfter("a", TimeSpan.FromSeconds(10));
        _queue.AddAfter("a", TimeSpan.FromSeconds(5));
        _queue.AddAfter("a", TimeSpan.FromSeconds(30)); // later than the pending 5 s: ignored
        Assert.Equal(1, _queue.DelayedCount);

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, _queue.Depth);
        _queue.Done(await DequeueAsync());

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, _queue.Depth);
        Assert.Equal(0, _queue.DelayedCount);
    }

    [Fact]
    public void AddAfter_ManyKeys_UseOneTimerAndFireInDueOrder()
    {
        var timersBefore = _time.TimersCreated;
        for (var i = 1; i <= 50; i++)
        {
            _queue.AddAfter($"k{i}", TimeSpan.FromSeconds(51 - i));
        }

        Assert.Equal(timersBefore, _time.TimersCreated);
        for (var second = 1; second <= 50; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(second, _queue.Depth);
        }
    }

    [Fact]
    public async Task ShutDownAndDrain_WaitsForKeysInFlight_AndStopsHandingOut()
    {
        _queue.Add("a");
        _queue.Add("b");
        var inFlight = await DequeueAsync();

        var drain = _queue.ShutDownAndDrainAsync(CancellationToken.None);
        var afterShutdown = await _queue.TryDequeueAsync(CancellationToken.None).WaitAsync(Bounded);
        _queue.Add("c");

        Assert.False(afterShutdown.Ok);
        Assert.False(drain.IsCompleted, "drain finished while a key was still processing");
        _queue.Done(inFlight);
        await drain.WaitAsync(Bounded);
    }

    [Fact]
    public async Task Depth_IsReportedAsKeysComeAndGo()
    {
        _queue.Add("a");
        _queue.Add("b");
        await DequeueAsync();

        Assert.Equal([1, 2, 1], _metrics.Depths);
    }

    private async Task<string> DequeueAsync()
    {
        var (ok, key) = await _queue.TryDequeueAsync(CancellationToken.None).WaitAsync(Bounded);
        Assert.True(ok, "the queue was shut down");
        return key;
    }

    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        public int TimersCreated { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            TimersCreated++;
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    private sealed class RecordingQueueMetrics : IWorkQueueMetrics
    {
        private readonly Lock _lock = new();
        private readonly List<int> _depths = [];
        private int _retries;

        public IReadOnlyList<int> Depths
        {
            get
            {
                lock (_lock)
                {
                    return [.. _depths];
                }
            }
        }

        public int Retries => Volatile.Read(ref _retries);

        public void DepthChanged(int depth)
        {
            lock (_lock)
            {
                _depths.Add(depth);
            }
        }

        public void Retried() => Interlocked.Increment(ref _retries);
    }
}
