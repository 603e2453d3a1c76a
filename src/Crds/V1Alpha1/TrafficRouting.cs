using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>How traffic is split between the stable and the canary revision.</summary>
public sealed record TrafficRouting
{
    /// <summary>replicas: replica ratio behind one Service; gatewayAPI: weights on an HTTPRoute's backendRefs.</summary>
    [Default("replicas")]
    public TrafficProvider Provider { get; init; } = TrafficProvider.Replicas;

    /// <summary>The HTTPRoute whose backendRefs the operator weights; required for provider gatewayAPI.</summary>
    public GatewayApiRouting? GatewayAPI { get; init; }
}

/// <summary>Traffic routing providers.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrafficProvider>))]
public enum TrafficProvider
{
    [JsonStringEnumMemberName("replicas")] Replicas,
    [JsonStringEnumMemberName("gatewayAPI")] GatewayAPI,
}

/// <summary>A Gateway API HTTPRoute managed by the operator.</summary>
public sealed record GatewayApiRouting
{
    /// <summary>Name of the HTTPRoute in the workflow's namespace.</summary>
    [Required, Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"), Length(Max = 253)]
    public required string HttpRoute { get; init; }

    /// <summary>Service port the backendRefs point at.</summary>
    [Default(80), Minimum(1), Maximum(65535)]
    public int Port { get; init; } = 80;
}
