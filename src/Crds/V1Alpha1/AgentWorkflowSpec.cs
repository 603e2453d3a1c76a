using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>Desired state of an AgentWorkflow.</summary>
// Optional fields are guarded with has(): selecting an absent field is an evaluation error, not false.
[CelRule("!has(self.policy) || !has(self.policy.rules) || self.policy.rules.all(r, !has(r.tool) || (has(self.tools) && self.tools.exists(t, t.name == r.tool)))",
    Message = "every policy rule's tool must be one of spec.tools[*].name", FieldPath = ".policy.rules", Reason = "FieldValueInvalid")]
[CelRule("!has(self.rollout) || !has(self.rollout.trafficRouting) || !has(self.rollout.trafficRouting.provider) || self.rollout.trafficRouting.provider != 'gatewayAPI' || has(self.rollout.trafficRouting.gatewayAPI)",
    Message = "rollout.trafficRouting.gatewayAPI is required when rollout.trafficRouting.provider is gatewayAPI", FieldPath = ".rollout.trafficRouting", Reason = "FieldValueRequired")]
public sealed record AgentWorkflowSpec
{
    /// <summary>The agent container. Any language; it reaches tools and models only through its gateway sidecar.</summary>
    [Required]
    public required AgentRuntime Runtime { get; init; }

    /// <summary>
    /// Models by role (router, planner, executor, verifier, writer, ...). Each role pins one dated model;
    /// the gateway refuses any model or role not declared here.
    /// </summary>
    [Items(Max = 16)]
    [CelRule("self.all(role, role.matches('^[a-z][a-z0-9-]{0,62}$'))", Message = "model role names must be lowercase letters, digits and '-', starting with a letter (e.g. planner)")]
    public IReadOnlyDictionary<string, ModelSpec>? Models { get; init; }

    /// <summary>The tool allowlist. Anything not listed is denied.</summary>
    [Items(Max = 64)]
    [CelRule("self.all(t, self.exists_one(u, u.name == t.name))", Message = "tools must be unique by name")]
    public IReadOnlyList<ToolBinding> Tools { get; init; } = [];

    /// <summary>Hard limits per run; exceeding any of them terminates the run with the budget's name as the reason.</summary>
    [Required]
    public required Budgets Budgets { get; init; }

    /// <summary>Rules every tool call must pass, and what to redact from traces and audit records.</summary>
    public PolicySpec? Policy { get; init; }

    /// <summary>
    /// How much the agent may do without a human: observe (read-only tools only), draft (writes become
    /// proposals, never executed), approve (every write needs a human approval), auto (rules decide; risk
    /// tier 3 needs one approval, tier 4 two distinct approvers).
    /// </summary>
    [Default("observe")]
    public Autonomy Autonomy { get; init; } = Autonomy.Observe;

    /// <summary>The projected service-account token the gateway sidecar uses.</summary>
    public CredentialsSpec? Credentials { get; init; }

    /// <summary>How a new revision is shipped: canary steps, traffic routing, analysis and evaluation.</summary>
    public RolloutSpec? Rollout { get; init; }

    /// <summary>Where traces go and how much they carry.</summary>
    public ObservabilitySpec? Observability { get; init; }

    /// <summary>Stop reconciling: the running revision stays as it is, no rollout progresses.</summary>
    [Default(false)]
    public bool Suspend { get; init; }

    /// <summary>Deny every write action of every revision at once, without restarting a pod.</summary>
    [Default(false)]
    public bool KillSwitch { get; init; }
}

/// <summary>The autonomy dial.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Autonomy>))]
public enum Autonomy
{
    [JsonStringEnumMemberName("observe")] Observe,
    [JsonStringEnumMemberName("draft")] Draft,
    [JsonStringEnumMemberName("approve")] Approve,
    [JsonStringEnumMemberName("auto")] Auto,
}
