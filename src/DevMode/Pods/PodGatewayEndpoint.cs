namespace AgentOperator.DevMode.Pods;

/// <summary>A gateway sidecar running in-process for a pod: where its agent API and its /metrics really listen.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Pod">The pod's name.</param>
/// <param name="Workflow">The workflow it enforces (env AGENTOPERATOR_WORKFLOW), or null.</param>
/// <param name="Revision">The revision it enforces (env AGENTOPERATOR_REVISION), or null.</param>
/// <param name="AgentAddress">The agent API, on 127.0.0.1.</param>
/// <param name="MetricsAddress">/metrics, /healthz and /v1/aggregates, on 127.0.0.1.</param>
internal sealed record PodGatewayEndpoint(string Namespace, string Pod, string? Workflow, string? Revision, Uri AgentAddress, Uri MetricsAddress);
