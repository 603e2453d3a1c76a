namespace AgentOperator.DevMode.LiveView;

/// <summary>An AgentWorkflow's status.</summary>
internal sealed record WorkflowRow(string Namespace, string Name, string Phase, long Generation, long? ObservedGeneration, string? StableRevision,
    string? CanaryRevision, long? CanaryWeight, IReadOnlyList<(string Type, string Status, string? Reason)> Conditions);
