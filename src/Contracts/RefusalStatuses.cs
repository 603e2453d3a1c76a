namespace AgentOperator.Contracts;

/// <summary>
/// HTTP statuses of the agent API's limit refusals, chosen by whether a retry can succeed. OpenAI's .NET SDK
/// (System.ClientModel) retries 408, 429, 500, 502, 503 and 504 up to three times whatever <c>x-should-retry</c>
/// says, so only a condition that passes gets 429; a limit that nothing will lift for the run must not.
/// </summary>
public static class RefusalStatuses
{
    /// <summary>
    /// 402 Payment Required: the run's budget is spent and the run has ended, so no retry can succeed. No OpenAI
    /// SDK retries it (OpenAI-compatible providers answer exhausted credit the same way).
    /// </summary>
    public const int BudgetExhausted = 402;

    /// <summary>429 Too Many Requests, with <c>Retry-After</c>: a rate limit, or budget held by calls still in flight.</summary>
    public const int RetryLater = 429;

    /// <summary>Seconds a model call waits for the run's calls in flight to release the budget they hold.</summary>
    public const int InFlightRetryAfterSeconds = 1;
}
