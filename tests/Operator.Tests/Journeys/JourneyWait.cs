namespace AgentOperator.Operator.Tests.Journeys;

/// <summary>
/// Polls a kubectl probe until a condition holds; past the bound it fails with a message built after the fact, so it can
/// include what kubectl shows then (describe, logs).
/// </summary>
internal static class JourneyWait
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<T, Task<string>> failure)
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
                Assert.Fail($"within {timeout.TotalSeconds} s: {await failure(seen)}");
            }

            await Task.Delay(Interval);
        }
    }

    public static Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<T, string> failure) =>
        UntilAsync(probe, done, timeout, seen => Task.FromResult(failure(seen)));
}
