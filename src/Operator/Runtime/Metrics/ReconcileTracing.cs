using System.Diagnostics;

namespace AgentOperator.Operator.Runtime.Metrics;

/// <summary>The OpenTelemetry source of reconcile spans: one span per reconcile.</summary>
internal static class ReconcileTracing
{
    public const string SourceName = "AgentOperator.Reconcile";

    public static ActivitySource Source { get; } = new(SourceName);
}
