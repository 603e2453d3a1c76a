using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Evaluation;
using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.Rollouts;

/// <summary>What the planner decides from, all read before it runs: the spec, the live canary and this reconcile's analysis.</summary>
/// <param name="Target">The revision the current spec compiles to.</param>
/// <param name="Spec">spec.rollout; null means a new revision replaces the stable one once available.</param>
/// <param name="CanaryAvailability">The target revision's Deployment, at the replicas last written for it.</param>
/// <param name="Evaluation">The target's eval Job as observed now; null when no Job of the current attempt exists.</param>
/// <param name="Analysis">The analysis run made in this reconcile (only when <see cref="CanaryPlanner.AnalysisDue"/> said so).</param>
/// <param name="Annotations">Manual control.</param>
/// <param name="TrafficInEffect">False when the traffic provider could not apply the last weight (e.g. the HTTPRoute is missing).</param>
/// <param name="EvaluationJob">Name of the target's eval Job, recorded in status.evaluation.</param>
/// <param name="Now">This reconcile's clock reading.</param>
internal sealed record RolloutInput(
    string Target,
    RolloutSpec? Spec,
    DeploymentAvailability CanaryAvailability,
    EvaluationResult? Evaluation,
    AnalysisRun? Analysis,
    RolloutAnnotations Annotations,
    bool TrafficInEffect,
    string EvaluationJob,
    DateTimeOffset Now);
