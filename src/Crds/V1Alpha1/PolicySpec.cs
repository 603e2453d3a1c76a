using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>Rules evaluated on every tool call, and redaction of sensitive data.</summary>
public sealed record PolicySpec
{
    /// <summary>CEL rules, evaluated in order for the calls they apply to.</summary>
    [Items(Max = 128)]
    [CelRule("self.all(r, self.exists_one(s, s.id == r.id))", Message = "policy rule ids must be unique")]
    public IReadOnlyList<PolicyRule>? Rules { get; init; }

    /// <summary>Kinds of sensitive data redacted from traces, audit records and approvals.</summary>
    [Items(Max = 8)]
    public IReadOnlyList<RedactionKind>? Redact { get; init; }
}

/// <summary>One policy rule: when its condition is false, onFail decides.</summary>
public sealed record PolicyRule
{
    /// <summary>Stable identifier, reported in decisions, audit records and metrics.</summary>
    [Required, Pattern("^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$"), Length(Max = 63)]
    public required string Id { get; init; }

    /// <summary>Tool the rule applies to; omitted means every tool.</summary>
    [Pattern(ToolNames.Pattern), Length(Max = 128)]
    public string? Tool { get; init; }

    /// <summary>CEL expression over input, run and tool that must be true for the call to pass (e.g. input.amount_usd &lt;= 50.0).</summary>
    [Required, Length(Min = 1, Max = 4096)]
    public required string Condition { get; init; }

    /// <summary>What a false condition does: deny the call, escalate it to a human, or block it and alert.</summary>
    [Default("deny")]
    public RuleAction OnFail { get; init; } = RuleAction.Deny;

    /// <summary>Human sentence returned when the rule fails.</summary>
    [Length(Max = 1024)]
    public string? Message { get; init; }
}

/// <summary>Consequence of a failed rule.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RuleAction>))]
public enum RuleAction
{
    [JsonStringEnumMemberName("deny")] Deny,
    [JsonStringEnumMemberName("escalate")] Escalate,
    [JsonStringEnumMemberName("blockAndAlert")] BlockAndAlert,
}

/// <summary>Kinds of sensitive data the gateway redacts.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RedactionKind>))]
public enum RedactionKind
{
    [JsonStringEnumMemberName("email")] Email,
    [JsonStringEnumMemberName("card_number")] CardNumber,
    [JsonStringEnumMemberName("card_last4")] CardLast4,
    [JsonStringEnumMemberName("phone")] Phone,
    [JsonStringEnumMemberName("api_key")] ApiKey,
}
