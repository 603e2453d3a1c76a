namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>Bounded polling for asynchronous outcomes: fails with a message that says what was expected and what was seen.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static async Task TrueAsync(Func<bool> condition, Func<string> failure, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"within {(timeout ?? DefaultTimeout).TotalSeconds} s: {failure()}");
            }

            await Task.Delay(20);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string failure, TimeSpan? timeout = null) =>
        TrueAsync(condition, () => failure, timeout);

    public static async Task TrueAsync(Func<Task<bool>> condition, string failure, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"within {(timeout ?? DefaultTimeout).TotalSeconds} s: {failure}");
            }

            await Task.Delay(20);
        }
    }
}
