namespace AgentOperator.DevCluster.Node;

/// <summary>Count, mean and longest of a repeated network operation (a pod sandbox's setup or teardown).</summary>
internal sealed class NetworkTimings
{
    private readonly Lock _gate = new();
    private TimeSpan _total;

    public int Count { get; private set; }

    public TimeSpan Max { get; private set; }

    public TimeSpan Mean
    {
        get
        {
            lock (_gate)
            {
                return Count == 0 ? TimeSpan.Zero : _total / Count;
            }
        }
    }

    public void Record(TimeSpan duration)
    {
        lock (_gate)
        {
            Count++;
            _total += duration;
            Max = duration > Max ? duration : Max;
        }
    }

    public override string ToString() => $"{Count} × mean {Mean.TotalMilliseconds:0.0} ms, max {Max.TotalMilliseconds:0.0} ms";
}
