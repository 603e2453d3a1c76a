using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>The state of one aspect of a resource, in the shape of metav1.Condition.</summary>
public sealed record Condition
{
    /// <summary>Type of condition in CamelCase, e.g. Ready, Progressing, Degraded, RolledBack, PolicyValid, CredentialsReady, RunsHealthy, SecretsAvailable.</summary>
    [Required, Pattern(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"), Length(Max = 316)]
    public required string Type { get; init; }

    /// <summary>Status of the condition: True, False or Unknown.</summary>
    [Required]
    public required ConditionStatus Status { get; init; }

    /// <summary>The .metadata.generation the condition was set from; older than the current generation means stale.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; init; }

    /// <summary>Last time the condition changed from one status to another.</summary>
    [Required, Format("date-time")]
    public required DateTimeOffset LastTransitionTime { get; init; }

    /// <summary>Programmatic identifier in CamelCase of the reason for the last transition.</summary>
    [Required, Pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"), Length(Min = 1, Max = 1024)]
    public required string Reason { get; init; }

    /// <summary>Human-readable details about the transition; may be empty.</summary>
    [Required, Length(Max = 32768)]
    public required string Message { get; init; }
}

/// <summary>Status of a condition.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConditionStatus>))]
public enum ConditionStatus
{
    [JsonStringEnumMemberName("True")] True,
    [JsonStringEnumMemberName("False")] False,
    [JsonStringEnumMemberName("Unknown")] Unknown,
}

/// <summary>Condition types set on an AgentWorkflow.</summary>
public static class ConditionTypes
{
    public const string Ready = "Ready";
    public const string Progressing = "Progressing";
    public const string Degraded = "Degraded";
    public const string RolledBack = "RolledBack";
    public const string PolicyValid = "PolicyValid";
    public const string CredentialsReady = "CredentialsReady";

    /// <summary>Whether the runs of the live revisions succeed: False when at least half of the recent runs failed or calls are refused while no run completes.</summary>
    public const string RunsHealthy = "RunsHealthy";

    /// <summary>Whether every Secret the gateway mounts exists: False names the Secret and the tools that need it, from the pods' state and Events.</summary>
    public const string SecretsAvailable = "SecretsAvailable";
}
