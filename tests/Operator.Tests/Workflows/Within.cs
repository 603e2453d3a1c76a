namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>Bounded waits that fail with what was expected and the last thing seen, never by timing luck.</summary>
internal static class Within
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, Func<T, string> describe, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Default;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var last = await probe();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"within {limit.TotalSeconds} s, expected {what}; last seen: {describe(last)}");
            }

            await Task.Delay(25);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> failure, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Default;
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"within {limit.TotalSeconds} s: {failure()}");
            }

            await Task.Delay(25);
        }
    }
}
