using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Gateway.Upstreams;

/// <summary>One allowed call on its way to a tool's upstream.</summary>
/// <param name="Tool">Tool name as the agent called it.</param>
/// <param name="Upstream">Where and how to call (URL or MCP tool, timeout, attempts, idempotency header).</param>
/// <param name="Auth">How to authenticate upstream; the credential is read from mounted files.</param>
/// <param name="IsIdempotent">True for read calls: only these are retried.</param>
/// <param name="Input">The exact JSON bytes the agent sent.</param>
/// <param name="IdempotencyKey">Forwarded in the tool's idempotency header (and MCP <c>_meta</c>).</param>
public sealed record UpstreamCall(string Tool, ToolUpstream Upstream, ToolAuth? Auth, bool IsIdempotent, ReadOnlyMemory<byte> Input, string? IdempotencyKey);
