namespace AgentOperator.Operator.Traffic;

/// <summary>Replicas of the stable and the canary revision's Deployments.</summary>
internal sealed record ReplicaSplit(int Stable, int Canary);
