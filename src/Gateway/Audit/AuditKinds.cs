namespace AgentOperator.Gateway.Audit;

/// <summary>Values of <see cref="AuditRecord.Kind"/>.</summary>
public static class AuditKinds
{
    public const string RunStarted = "run.started";
    public const string RunCompleted = "run.completed";
    public const string ToolCall = "tool.call";
    public const string ModelCall = "model.call";
    public const string RequestRejected = "request.rejected";
    public const string BundleLoaded = "bundle.loaded";
}
