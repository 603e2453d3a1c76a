namespace AgentOperator.Operator.Tests.Rollouts;

/// <summary>A <see cref="RolloutEnvironment"/> without Prometheus: analysis reads the gateways' own aggregates, as dev mode on a fresh machine.</summary>
public sealed class GatewayAggregatesRolloutEnvironment() : RolloutEnvironment(analyseThroughGatewayAggregates: true);
