namespace AgentOperator.Policy.Decisions;

/// <summary>One model call the agent asks for.</summary>
/// <param name="Role">The role from the X-Agent-Role header.</param>
/// <param name="Model">The model the request body names; null or empty means "the role's pinned model".</param>
public sealed record ModelCallRequest(string Role, string? Model)
{
    /// <summary>The request's max_tokens or max_completion_tokens (per choice), if it set one; at least 1.</summary>
    public long? MaxCompletionTokens
    {
        get;
        init => field = value is < 1 ? throw new ArgumentOutOfRangeException(nameof(value), value, "max tokens must be at least 1") : value;
    }

    /// <summary>The gateway's estimate of prompt tokens (e.g. bytes / 4), if it has one.</summary>
    public int? EstimatedPromptTokens { get; init; }

    /// <summary>How many completions the request asks for (OpenAI's <c>n</c>); each may use the cap.</summary>
    public int Choices
    {
        get;
        init => field = value < 1 ? throw new ArgumentOutOfRangeException(nameof(value), value, "n must be at least 1") : value;
    } = 1;
}
