namespace AgentOperator.Policy.Decisions;

/// <summary>One model call the agent asks for.</summary>
/// <param name="Role">The role from the X-Agent-Role header.</param>
/// <param name="Model">The model the request body names; null or empty means "the role's pinned model".</param>
public sealed record ModelCallRequest(string Role, string? Model)
{
    /// <summary>The request's max_tokens (completion), if it set one.</summary>
    public int? MaxCompletionTokens { get; init; }

    /// <summary>The gateway's estimate of prompt tokens (e.g. characters / 4), if it has one.</summary>
    public int? EstimatedPromptTokens { get; init; }
}
