
namespace AgentOperator.DevCluster.Diagnostics;

/// <summary>The server's log messages (source-generated, so they cost nothing when the level is off).</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Controller} failed on {EventType} {Resource} {Namespace}/{Name}")]
    public static partial void ControllerFailed(ILogger logger, Exception exception, string controller, string eventType, string resource, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Namespace}/{Name} failed to run")]
    public static partial void PodRunFailed(ILogger logger, Exception exception, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cleaning up custom resources of CRD {Name} failed")]
    public static partial void CrdCleanupFailed(ILogger logger, Exception exception, string name);
}
