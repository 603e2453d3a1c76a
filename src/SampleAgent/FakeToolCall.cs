using System.Text.Json.Nodes;

namespace AgentOperator.SampleAgent;

/// <summary>One call a <see cref="FakeToolServer"/> received.</summary>
/// <param name="Path">Request path, e.g. /refunds.</param>
/// <param name="Input">The JSON body.</param>
/// <param name="IdempotencyKey">The Idempotency-Key header, if sent.</param>
/// <param name="Authorization">The Authorization header, if sent (to check the gateway's upstream credential).</param>
/// <param name="Failed">Whether the server answered it with 503.</param>
public sealed record FakeToolCall(string Path, JsonNode? Input, string? IdempotencyKey, string? Authorization, bool Failed);
