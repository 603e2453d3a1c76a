using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;
using k8s;
using k8s.Models;

namespace AgentOperator.Crds.Tests;

/// <summary>A resource used only to test the attribute mappings; its <c>spec</c> is a SampleSpec.</summary>
[KubernetesEntity(Group = "tests.agentoperator.io", ApiVersion = "v1beta2", Kind = "Sample", PluralName = "samples")]
[ShortNames("sm", "smp")]
[Categories("tests")]
[PrinterColumn("Size", "integer", ".spec.size", Description = "How big", Priority = 1)]
[PrinterColumn("Seen", "date", ".status.seenAt", Format = "date-time")]
[ClusterScoped]
public sealed class Sample : IKubernetesObject<V1ObjectMeta>, ISpec<SampleSpec>, IStatus<SampleStatus?>
{
    /// <summary>API version.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "tests.agentoperator.io/v1beta2";

    /// <summary>Kind.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Sample";

    /// <summary>Metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired state.</summary>
    [Required]
    [JsonPropertyName("spec")]
    public SampleSpec Spec { get; set; } = null!;

    /// <summary>Observed state.</summary>
    [JsonPropertyName("status")]
    public SampleStatus? Status { get; set; }
}

/// <summary>The sample's spec, described on the type.</summary>
[CelRule("self.size <= self.limit", Message = "size must not exceed limit", FieldPath = ".size", Reason = "FieldValueForbidden")]
public sealed record SampleSpec
{
    /// <summary>Size in <c>units</c>.</summary>
    [Required, Minimum(1), Maximum(10, Exclusive = true)]
    public required int Size { get; init; }

    /// <summary>Upper bound.</summary>
    [Default(5), Minimum(0, Exclusive = true), Maximum(100)]
    public int Limit { get; init; } = 5;

    /// <summary>A ratio.</summary>
    [Minimum(0.5)]
    public double? Ratio { get; init; }

    /// <summary>A count that may be large.</summary>
    public long? Big { get; init; }

    /// <summary>A lowercase name.</summary>
    [Pattern("^[a-z]+$"), Length(Min = 2, Max = 20)]
    public string? Name { get; init; }

    /// <summary>Enabled or not.</summary>
    [Default(true)]
    public bool Enabled { get; init; } = true;

    /// <summary>The mode, as an enum.</summary>
    [Default("slow-mode")]
    public SampleMode Mode { get; init; }

    /// <summary>Tags.</summary>
    [Items(Min = 1, Max = 3)]
    [CelRule("self.all(t, t.size() > 0)", Message = "tags must not be empty")]
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Labels by key.</summary>
    [Items(Min = 1, Max = 4)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>A link.</summary>
    [Format("uri")]
    public string? Link { get; init; }

    /// <summary>Anything goes.</summary>
    [PreserveUnknownFields]
    public JsonObject? Extra { get; init; }

    /// <summary>Any JSON value.</summary>
    public JsonNode? Anything { get; init; }

    /// <summary>Explicit JSON name.</summary>
    [JsonPropertyName("x_custom")]
    public string? Custom { get; init; }

    /// <summary>An acronym property.</summary>
    public string? GatewayAPI { get; init; }

    public SampleChild? Child { get; init; }

    /// <summary>Children in a list.</summary>
    public IReadOnlyList<SampleChild>? Children { get; init; }
}

/// <summary>A child object described only on its type.</summary>
public sealed record SampleChild
{
    /// <summary>Child name.</summary>
    [Required]
    public required string Name { get; init; }
}

/// <summary>Observed state of a sample.</summary>
public sealed record SampleStatus
{
    /// <summary>When it was seen.</summary>
    public DateTimeOffset? SeenAt { get; init; }
}

/// <summary>Modes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SampleMode>))]
public enum SampleMode
{
    [JsonStringEnumMemberName("slow-mode")] Slow,
    Fast,
}
