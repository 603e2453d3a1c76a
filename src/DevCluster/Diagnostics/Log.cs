
namespace AgentOperator.DevCluster.Diagnostics;

/// <summary>The server's log messages (source-generated, so they cost nothing when the level is off).</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Controller} failed on {EventType} {Resource} {Namespace}/{Name}")]
    public static partial void ControllerFailed(ILogger logger, Exception exception, string controller, string eventType, string resource, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Namespace}/{Name} failed to run")]
    public static partial void PodRunFailed(ILogger logger, Exception exception, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the DevCluster node cannot give pods their own network ({Reason}): pods share the host's network with podIP 127.0.0.1, so two pods cannot listen on one port, Service ClusterIPs are not routed and pods cannot reach each other by address")]
    public static partial void PodNetworksUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the DevCluster node finds no iptables-restore/iptables-save: pods have their own network, but Service ClusterIPs are not routed")]
    public static partial void ServiceRoutingUnavailable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the DevCluster node cannot serve cluster DNS on {Address}:53 ({Reason}): ClusterFirst pods get the host's nameservers they can reach, so Service names do not resolve")]
    public static partial void ClusterDnsUnavailable(ILogger logger, string address, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster DNS failed to answer {Name}")]
    public static partial void DnsAnswerFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cleaning up custom resources of CRD {Name} failed")]
    public static partial void CrdCleanupFailed(ILogger logger, Exception exception, string name);
}
