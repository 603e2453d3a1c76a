using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;
using k8s;
using k8s.Models;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>
/// An entry of the capabilities registry: one tool, who owns it, how risky it is, what input it takes
/// and how the gateway reaches it.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = Plural)]
[ShortNames("at")]
[Categories("agents")]
[PrinterColumn("Tool", "string", ".spec.name", Description = "Name the agent calls")]
[PrinterColumn("Tier", "integer", ".spec.riskTier", Description = "Risk tier 0-4")]
[PrinterColumn("Owner", "string", ".spec.owner")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class AgentTool : IKubernetesObject<V1ObjectMeta>, ISpec<AgentToolSpec>
{
    public const string KubeKind = "AgentTool";
    public const string Plural = "agenttools";

    /// <summary>APIVersion of this representation: agentoperator.io/v1alpha1.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>Kind of this resource: AgentTool.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The tool's registry entry.</summary>
    [Required]
    [JsonPropertyName("spec")]
    public AgentToolSpec Spec { get; set; } = null!;
}

/// <summary>A tool's registry entry.</summary>
[CelRule("has(self.upstream.url) != has(self.upstream.mcp)", Message = "upstream must set exactly one of url or mcp", FieldPath = ".upstream")]
[CelRule("!has(self.auth) || !(has(self.auth.secretRef) && has(self.auth.boundToken))", Message = "auth must set at most one of secretRef or boundToken", FieldPath = ".auth")]
[CelRule("self.riskTier > 0 || self.actions.all(a, a == 'read')", Message = "a risk tier 0 tool may only allow the read action", FieldPath = ".riskTier")]
public sealed record AgentToolSpec
{
    /// <summary>Name the agent calls, e.g. payments.issue_refund; unique within the namespace.</summary>
    [Required, Pattern(ToolNames.Pattern), Length(Max = 128)]
    public required string Name { get; init; }

    /// <summary>Team accountable for the tool.</summary>
    [Required, Length(Min = 1, Max = 128)]
    public required string Owner { get; init; }

    /// <summary>What the tool does, shown to the model in tools/list.</summary>
    [Required, Length(Min = 1, Max = 2048)]
    public required string Description { get; init; }

    /// <summary>0 read-only, 1 low impact, 2 reversible, 3 high impact, 4 irreversible or regulated.</summary>
    [Required, Minimum(0), Maximum(4)]
    public required int RiskTier { get; init; }

    /// <summary>Actions the tool supports.</summary>
    [Required, Items(Min = 1, Max = 4)]
    [CelRule("self.all(a, self.exists_one(b, b == a))", Message = "actions must be unique")]
    public required IReadOnlyList<ToolAction> Actions { get; init; }

    /// <summary>JSON Schema (2020-12) of the tool's input; calls whose input does not validate are refused with 422.</summary>
    [PreserveUnknownFields]
    public JsonObject? InputSchema { get; init; }

    /// <summary>Where the gateway sends allowed calls.</summary>
    [Required]
    public required ToolUpstream Upstream { get; init; }

    /// <summary>How the gateway authenticates to the upstream; the agent never sees the credential.</summary>
    public ToolAuth? Auth { get; init; }

    /// <summary>Rate limit of this tool for each workflow that uses it.</summary>
    public RateLimit? RateLimit { get; init; }
}

/// <summary>The upstream of a tool: a plain HTTP endpoint or a tool of an MCP server.</summary>
public sealed record ToolUpstream
{
    /// <summary>HTTP endpoint receiving the tool input as a JSON POST.</summary>
    [Format("uri"), Length(Max = 2048)]
    public string? Url { get; init; }

    /// <summary>A tool of an MCP server (streamable HTTP).</summary>
    public McpUpstream? Mcp { get; init; }

    /// <summary>Seconds before the call is abandoned.</summary>
    [Default(10), Minimum(1), Maximum(300)]
    public int TimeoutSeconds { get; init; } = 10;

    /// <summary>Header carrying the idempotency key to the upstream.</summary>
    [Default("Idempotency-Key"), Pattern("^[A-Za-z0-9-]+$"), Length(Max = 64)]
    public string IdempotencyHeader { get; init; } = "Idempotency-Key";

    /// <summary>Attempts for idempotent (read) calls; writes are never retried.</summary>
    [Default(3), Minimum(1), Maximum(10)]
    public int MaxAttempts { get; init; } = 3;
}

/// <summary>A tool of an MCP server.</summary>
public sealed record McpUpstream
{
    /// <summary>Streamable HTTP endpoint of the MCP server.</summary>
    [Required, Format("uri"), Length(Max = 2048)]
    public required string Url { get; init; }

    /// <summary>Tool name on that server.</summary>
    [Required, Length(Min = 1, Max = 128)]
    public required string ToolName { get; init; }
}

/// <summary>Upstream credentials, mounted into the gateway sidecar only.</summary>
public sealed record ToolAuth
{
    /// <summary>A Secret key sent as a header (default: Authorization: Bearer &lt;value&gt;).</summary>
    public SecretHeaderAuth? SecretRef { get; init; }

    /// <summary>A projected service-account token for this audience, sent as a bearer token.</summary>
    public BoundTokenAuth? BoundToken { get; init; }
}

/// <summary>A Secret key sent as a header.</summary>
public sealed record SecretHeaderAuth
{
    /// <summary>Secret name in the workflow's namespace.</summary>
    [Required, Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"), Length(Max = 253)]
    public required string Name { get; init; }

    /// <summary>Key within the Secret.</summary>
    [Required, Pattern("^[-._a-zA-Z0-9]+$"), Length(Max = 253)]
    public required string Key { get; init; }

    /// <summary>Header name.</summary>
    [Default("Authorization"), Pattern("^[A-Za-z0-9-]+$"), Length(Max = 64)]
    public string Header { get; init; } = "Authorization";

    /// <summary>Prefix before the secret value, e.g. "Bearer ".</summary>
    [Default("Bearer "), Length(Max = 32)]
    public string Prefix { get; init; } = "Bearer ";
}

/// <summary>A bound service-account token for an audience.</summary>
public sealed record BoundTokenAuth
{
    /// <summary>Audience the upstream validates.</summary>
    [Required, Length(Min = 1, Max = 253)]
    public required string Audience { get; init; }

    /// <summary>Token lifetime in seconds (at least 600).</summary>
    [Default(3600), Minimum(600), Maximum(86_400)]
    public int ExpirationSeconds { get; init; } = 3600;
}
