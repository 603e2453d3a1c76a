namespace AgentOperator.Gateway.Tools;

/// <summary>Result of <see cref="IdempotencyStore.ExecuteOnceAsync"/>.</summary>
/// <param name="Response">The response (null on mismatch).</param>
/// <param name="Replayed">True when another caller executed the call and this is its stored response.</param>
/// <param name="Mismatch">True when the key was already used with a different input.</param>
public sealed record IdempotentExecution(ToolCallResponse? Response, bool Replayed, bool Mismatch);
