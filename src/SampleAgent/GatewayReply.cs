using System.Text.Json.Nodes;

namespace AgentOperator.SampleAgent;

/// <summary>A gateway answer: the HTTP status, the JSON body (null when it was not JSON) and a 429's Retry-After.</summary>
public sealed record GatewayReply(int Status, JsonNode? Body, TimeSpan? RetryAfter = null)
{
    /// <summary>The problem's <c>decision</c> member (deny, escalate, invalid, budget_exceeded, rate_limited), if any.</summary>
    public string? Decision => Body?["decision"] is JsonValue value && value.TryGetValue<string>(out var decision) ? decision : null;

    /// <summary>The approval id of a 202.</summary>
    public string? ApprovalId => Body?["approvalId"] is JsonValue value && value.TryGetValue<string>(out var id) ? id : null;
}
