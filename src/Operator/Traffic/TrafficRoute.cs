using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Traffic;

/// <summary>What to route: the workflow, its stable and canary Services (<c>{workflow}-stable</c>, <c>{workflow}-canary</c>) and the canary's weight in percent.</summary>
internal sealed record TrafficRoute(AgentWorkflow Workflow, string StableService, string CanaryService, int CanaryWeight);
