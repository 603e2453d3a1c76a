namespace AgentOperator.DevCluster.Api.Protobuf;

/// <summary>How one protobuf field maps to JSON (for maps and lists: how each value does).</summary>
internal enum ProtoKind
{
    String,
    Bytes,
    Int,
    Bool,
    Message,

    /// <summary>An embedded Go struct whose fields JSON inlines into the parent (Volume.volumeSource, LocalObjectReference).</summary>
    Inline,

    /// <summary>meta/v1 Time {seconds, nanos}: an RFC 3339 string to the second.</summary>
    Time,

    /// <summary>intstr.IntOrString {type, intVal, strVal}: a JSON number or string.</summary>
    IntOrString,

    /// <summary>resource.Quantity {string}: a JSON string.</summary>
    Quantity,

    /// <summary>A message holding raw JSON bytes in field 1 (FieldsV1, RawExtension).</summary>
    RawJson,
}
