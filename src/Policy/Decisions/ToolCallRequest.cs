using System.Text.Json;
using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.Decisions;

/// <summary>One tool call the agent asks for.</summary>
/// <param name="Tool">Tool name as the agent called it.</param>
/// <param name="Action">The action the call performs.</param>
/// <param name="Input">The tool input (the request body).</param>
public sealed record ToolCallRequest(string Tool, ToolAction Action, JsonElement Input)
{
    /// <summary>
    /// Users who approved this exact call (from its AgentApproval); duplicates count once. Empty on the first attempt.
    /// </summary>
    public IReadOnlyCollection<string> Approvers { get; init; } = [];

    /// <summary>What the agent says it means to achieve (its action packet); rules see it as <c>request.intent</c>.</summary>
    public string? Intent { get; init; }

    /// <summary>Why the agent says it takes the action (its action packet); rules see it as <c>request.reason</c>.</summary>
    public string? Reason { get; init; }
}
