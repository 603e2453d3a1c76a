using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Rollouts;

/// <summary>Why a canary was rolled back: a condition reason, the metric with its value and threshold, and one sentence naming all three.</summary>
internal sealed record RollbackCause(string Reason, RevisionOutcome Outcome, string Metric, string? Value, string? Threshold, string Message);
