using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.Bundles;

/// <summary>One CEL rule: when its condition is false (or cannot be evaluated), <see cref="OnFail"/> decides.</summary>
public sealed record BundleRule
{
    /// <summary>Stable identifier, reported in decisions.</summary>
    public required string Id { get; init; }

    /// <summary>Tool the rule applies to; null means every tool.</summary>
    public string? Tool { get; init; }

    /// <summary>CEL over <c>input</c>, <c>run</c>, <c>tool</c> and <c>models</c> that must be true.</summary>
    public required string Condition { get; init; }

    /// <summary>Consequence of a failed rule.</summary>
    public RuleAction OnFail { get; init; } = RuleAction.Deny;

    /// <summary>Human sentence returned when the rule fails.</summary>
    public string? Message { get; init; }
}
