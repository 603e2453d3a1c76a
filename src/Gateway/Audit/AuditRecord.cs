using System.Text.Json;
using System.Text.Json.Serialization;
using AgentOperator.Contracts;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Gateway.Audit;

/// <summary>
/// One line of the audit log. Inputs are redacted before they get here; credentials never do.
/// <see cref="Sequence"/>, <see cref="PreviousSha256"/> and the line's own hash are written by
/// <see cref="AuditLog"/>, which alone decides the order of records (values set here are not written).
/// </summary>
public sealed record AuditRecord
{
    /// <summary>1-based position in the log.</summary>
    public long Sequence { get; init; }

    /// <summary>When the event happened.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>What happened: see <see cref="AuditKinds"/>.</summary>
    public required string Kind { get; init; }

    public string? Workflow { get; init; }
    public string? Revision { get; init; }
    public string? BundleSha256 { get; init; }
    public string? RunId { get; init; }
    public string? Tool { get; init; }

    /// <summary>Action of the tool call (read, create, update, delete).</summary>
    public string? Action { get; init; }

    /// <summary>allow, deny, escalate, invalid, budget_exceeded, rate_limited, error, ...</summary>
    public string? Decision { get; init; }

    /// <summary>Policy rule or budget that decided.</summary>
    public string? Rule { get; init; }

    /// <summary>The policy engine's decision kind (Allow, Deny, NeedsApproval, ...) when the engine decided; replay compares against it.</summary>
    public string? PolicyDecision { get; init; }

    /// <summary>
    /// The rule the policy engine decided with (null when it allowed), apart from <see cref="Rule"/>, which names
    /// what finally answered the agent (an upstream failure after an Allow, a consumed approval). Replay compares
    /// against this one: an upstream outcome is not a policy decision.
    /// </summary>
    public string? PolicyRule { get; init; }

    /// <summary>One human sentence.</summary>
    public string? Reason { get; init; }

    /// <summary>Tool calls: what the agent said it means to achieve (its X-Agent-Intent header, decoded).</summary>
    public string? AgentIntent { get; init; }

    /// <summary>Tool calls: why the agent said it takes the action (its X-Agent-Reason header, decoded).</summary>
    public string? AgentReason { get; init; }

    /// <summary>HTTP status returned to the agent.</summary>
    public int? Status { get; init; }

    /// <summary>The tool input, redacted. Absent when the body was not JSON or too large.</summary>
    public JsonElement? Input { get; init; }

    /// <summary>SHA-256 of the exact bytes the agent sent.</summary>
    public string? InputSha256 { get; init; }

    /// <summary>Size in bytes of what the agent sent.</summary>
    public long? InputBytes { get; init; }

    /// <summary>The run's counters the decision was made on (what CEL saw as <c>run</c>); replay re-decides on them.</summary>
    public RunSnapshot? Run { get; init; }

    /// <summary>Users whose approval the decision took into account.</summary>
    public IReadOnlyList<string>? Approvers { get; init; }

    public string? IdempotencyKey { get; init; }
    public string? ApprovalId { get; init; }

    /// <summary>True when the call reached the upstream (or the model endpoint).</summary>
    public bool? Executed { get; init; }

    public string? Role { get; init; }
    public string? Model { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public decimal? CostUsd { get; init; }

    /// <summary>Model calls: the completion cap the gateway sent upstream (per choice).</summary>
    public long? MaxCompletionTokens { get; init; }

    /// <summary>Model calls: true when the answer was streamed (Server-Sent Events).</summary>
    public bool? Streamed { get; init; }

    /// <summary>Model calls: where the charged tokens come from: <c>usage</c> (the provider's), or <c>reservation</c> when the answer carried none.</summary>
    public string? UsageSource { get; init; }
    public string? Outcome { get; init; }
    public double? DurationMs { get; init; }

    /// <summary>SHA-256 (hex) of the previous line; the first record carries <see cref="AuditChain.GenesisSha256"/>.</summary>
    [JsonPropertyName("prev")]
    public string? PreviousSha256 { get; init; }
}
