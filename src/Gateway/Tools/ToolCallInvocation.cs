namespace AgentOperator.Gateway.Tools;

/// <summary>One tool call as the agent sent it (over HTTP or MCP).</summary>
/// <param name="RunId">Run the call belongs to.</param>
/// <param name="Tool">Tool name as the agent called it (untrusted).</param>
/// <param name="Body">The exact input bytes; null for a body-less retry with an approval id.</param>
/// <param name="IdempotencyKey">The agent's Idempotency-Key, if any.</param>
/// <param name="ApprovalId">The approval the agent retries with, if any.</param>
/// <param name="Action">The X-Tool-Action the agent named, if any (read, create, update, delete).</param>
public sealed record ToolCallInvocation(string RunId, string Tool, byte[]? Body, string? IdempotencyKey, string? ApprovalId, string? Action)
{
    /// <summary>The <see cref="Contracts.ActionPacket.IntentHeader"/> value as sent (still percent-encoded), if any.</summary>
    public string? IntentHeader { get; init; }

    /// <summary>The <see cref="Contracts.ActionPacket.ReasonHeader"/> value as sent (still percent-encoded), if any.</summary>
    public string? ReasonHeader { get; init; }
}
