namespace AgentOperator.Operator.Tests.DevMode;

/// <summary>Polls until a condition holds, failing after a bound with a message that says what was expected and what was last seen.</summary>
internal static class BoundedWait
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<T, string> failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var seen = await probe();
            if (done(seen))
            {
                return seen;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"within {timeout.TotalSeconds} s: {failure(seen)}");
            }

            await Task.Delay(100);
        }
    }
}
