namespace AgentOperator.Gateway.Tools;

/// <summary>What the agent gets back for a tool call: status, JSON body and its content type.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Body">UTF-8 JSON body.</param>
/// <param name="ContentType">application/json or application/problem+json.</param>
public sealed record ToolCallResponse(int Status, ReadOnlyMemory<byte> Body, string ContentType)
{
    /// <summary>For 429 rate limits: seconds until a retry may succeed (sent as Retry-After).</summary>
    public int? RetryAfterSeconds { get; init; }
}
