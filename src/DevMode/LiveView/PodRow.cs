namespace AgentOperator.DevMode.LiveView;

/// <summary>A pod, with the workflow and revision labels the operator puts on agent pods, its IP and its containers' restarts.</summary>
internal sealed record PodRow(string Namespace, string Name, string Phase, bool Ready, string? Workflow, string? Revision, string? PodIp, int Restarts);
