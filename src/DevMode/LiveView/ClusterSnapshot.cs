namespace AgentOperator.DevMode.LiveView;

/// <summary>What dev mode shows at one moment: the workflows, their pods, recent Events and the gateways' traffic.</summary>
internal sealed record ClusterSnapshot(
    IReadOnlyList<WorkflowRow> Workflows,
    IReadOnlyList<PodRow> Pods,
    IReadOnlyList<EventRow> Events,
    IReadOnlyList<TrafficRow> Traffic,
    string? Error);
