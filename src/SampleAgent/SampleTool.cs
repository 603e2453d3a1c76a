using System.Text.Json.Nodes;

namespace AgentOperator.SampleAgent;

/// <summary>A tool the sample agent calls in every run.</summary>
/// <param name="Name">Tool name as the gateway knows it, e.g. payments.issue_refund.</param>
/// <param name="Action">Action sent in X-Tool-Action (read, create, update, delete); null lets the gateway infer it.</param>
/// <param name="Input">The input of a normal call.</param>
/// <param name="ViolatingInput">An input the policy must refuse (e.g. a refund above the cap), used by violating runs; null means such runs call a tool outside the allowlist instead.</param>
public sealed record SampleTool(string Name, string? Action, JsonObject Input, JsonObject? ViolatingInput = null);
