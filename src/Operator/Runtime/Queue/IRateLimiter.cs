namespace AgentOperator.Operator.Runtime.Queue;

/// <summary>Decides how long a key waits before it is retried.</summary>
internal interface IRateLimiter<in TKey>
    where TKey : notnull
{
    /// <summary>Records one more retry of <paramref name="key"/> and returns how long it must wait first.</summary>
    TimeSpan When(TKey key);

    /// <summary>Forgets the retry history of <paramref name="key"/> (called when it succeeds).</summary>
    void Forget(TKey key);

    /// <summary>How many times <paramref name="key"/> has been retried since it last succeeded.</summary>
    int NumRequeues(TKey key);
}
