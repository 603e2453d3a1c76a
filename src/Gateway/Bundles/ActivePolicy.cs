using AgentOperator.Gateway.Telemetry;
using AgentOperator.Policy.Decisions;

namespace AgentOperator.Gateway.Bundles;

/// <summary>A compiled bundle as the gateway enforces it, with the hash of the document it came from.</summary>
/// <param name="Engine">The decision engine over the compiled bundle.</param>
/// <param name="Sha256">SHA-256 of the bundle JSON, recorded in every audit record it decided.</param>
/// <param name="Source">Where it came from (file path or ConfigMap and resourceVersion).</param>
public sealed record ActivePolicy(PolicyEngine Engine, string Sha256, string Source)
{
    /// <summary>Metric labels of this revision.</summary>
    public MetricLabels Labels { get; } = new(Engine.Bundle.Workflow.Name, Engine.Bundle.Revision);
}
