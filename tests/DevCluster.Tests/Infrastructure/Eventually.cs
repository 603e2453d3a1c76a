namespace AgentOperator.DevCluster.Tests.Infrastructure;

/// <summary>Polls a condition with a bounded wait; fails with the last observed state, never by timing luck.</summary>
public static class Eventually
{
    public static async Task<T> MatchAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}; last observed: {last}");
            }

            await Task.Delay(50);
        }
    }
}
