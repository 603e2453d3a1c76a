using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.Bundles;

/// <summary>One allowed tool, as this workflow may use it.</summary>
public sealed record BundleTool
{
    /// <summary>Name the agent calls, e.g. payments.issue_refund.</summary>
    public required string Name { get; init; }

    /// <summary>What the tool does (shown in MCP tools/list).</summary>
    public string Description { get; init; } = "";

    /// <summary>Team accountable for the tool.</summary>
    public string Owner { get; init; } = "";

    /// <summary>0 read-only … 4 irreversible or regulated.</summary>
    public required int RiskTier { get; init; }

    /// <summary>Actions this workflow may use (the intersection of the binding and the registry).</summary>
    public required IReadOnlyList<ToolAction> Actions { get; init; }

    /// <summary>
    /// The tool's input schema combined with the workflow's constraints (an <c>allOf</c> of both, so a
    /// constraint can only tighten the registry's schema); null accepts any input.
    /// </summary>
    public JsonObject? InputSchema { get; init; }

    /// <summary>The tighter of the registry's and the binding's rate limits; null means unlimited.</summary>
    public RateLimit? RateLimit { get; init; }

    /// <summary>Where allowed calls go.</summary>
    public required ToolUpstream Upstream { get; init; }

    /// <summary>How the gateway authenticates upstream (references only).</summary>
    public ToolAuth? Auth { get; init; }
}
