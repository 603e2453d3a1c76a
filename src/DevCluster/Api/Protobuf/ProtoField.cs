namespace AgentOperator.DevCluster.Api.Protobuf;

/// <summary>
/// One field of a generated.proto message: its number, JSON name and kind. <paramref name="Pointer"/> marks Go
/// pointer fields, whose zero value is a value (replicas: 0) rather than "unset", so the decoder keeps it.
/// </summary>
internal sealed record ProtoField(int Number, string Name, ProtoKind Kind, string? Message = null, bool Repeated = false, bool Map = false, bool Pointer = false);
