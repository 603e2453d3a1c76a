using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>One allowed tool of a workflow.</summary>
public sealed record ToolBinding
{
    /// <summary>Tool name as the agent calls it (e.g. payments.issue_refund); an AgentTool with this spec.name must exist in the namespace.</summary>
    [Required, Pattern(ToolNames.Pattern), Length(Max = 128)]
    public required string Name { get; init; }

    /// <summary>Actions of the tool this workflow may use; a subset of the AgentTool's actions.</summary>
    [Required, Items(Min = 1, Max = 4)]
    [CelRule("self.all(a, self.exists_one(b, b == a))", Message = "actions must be unique")]
    public required IReadOnlyList<ToolAction> Actions { get; init; }

    /// <summary>Extra limits on the input, as JSON Schema keywords merged over the tool's input schema (e.g. {"properties": {"amount_usd": {"maximum": 50}}}).</summary>
    [PreserveUnknownFields]
    public JsonObject? Constraints { get; init; }

    /// <summary>Per-workflow rate limit of this tool; tighter than the AgentTool's own limit wins.</summary>
    public RateLimit? RateLimit { get; init; }
}

/// <summary>What a tool call does to the world.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ToolAction>))]
public enum ToolAction
{
    [JsonStringEnumMemberName("read")] Read,
    [JsonStringEnumMemberName("create")] Create,
    [JsonStringEnumMemberName("update")] Update,
    [JsonStringEnumMemberName("delete")] Delete,
}

/// <summary>A token-bucket rate limit.</summary>
public sealed record RateLimit
{
    /// <summary>Sustained calls per minute.</summary>
    [Required, Minimum(1), Maximum(100_000)]
    public required int RequestsPerMinute { get; init; }

    /// <summary>Calls allowed at once above the sustained rate; defaults to requestsPerMinute / 10, at least 1.</summary>
    [Minimum(1), Maximum(100_000)]
    public int? Burst { get; init; }
}

/// <summary>Syntax of tool names.</summary>
public static class ToolNames
{
    /// <summary>Dotted lowercase segments of letters, digits and underscores, e.g. payments.issue_refund.</summary>
    public const string Pattern = "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$";
}
