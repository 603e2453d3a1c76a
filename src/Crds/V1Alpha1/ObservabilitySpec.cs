using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>Traces and audit retention.</summary>
public sealed record ObservabilitySpec
{
    /// <summary>OTLP endpoint the gateway exports spans to (e.g. http://otel-collector.observability:4317).</summary>
    [Format("uri"), Length(Max = 2048)]
    public string? OtlpEndpoint { get; init; }

    /// <summary>How much a span carries: none, metadata (names, decisions, sizes) or full (redacted inputs and outputs).</summary>
    [Default("metadata")]
    public TraceLevel TraceLevel { get; init; } = TraceLevel.Metadata;

    /// <summary>Days audit records are kept.</summary>
    [Default(30), Minimum(1), Maximum(3650)]
    public int RetentionDays { get; init; } = 30;
}

/// <summary>Detail of spans.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TraceLevel>))]
public enum TraceLevel
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("metadata")] Metadata,
    [JsonStringEnumMemberName("full")] Full,
}
