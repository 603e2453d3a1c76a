namespace AgentOperator.DevMode.LiveView;

/// <summary>A Kubernetes Event.</summary>
internal sealed record EventRow(string Uid, DateTimeOffset Time, string Namespace, string Object, string Type, string Reason, string Message);
