namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// One SPDY/3 frame as read: its type, flags (FIN is 0x01 on data and stream frames) and stream; <see cref="Value"/> is
/// the RST_STREAM and GOAWAY status, the PING id or the WINDOW_UPDATE delta; <see cref="Headers"/> are a SYN_STREAM's,
/// SYN_REPLY's or HEADERS' block; <see cref="Data"/> a data frame's payload.
/// </summary>
internal sealed record SpdyFrame(SpdyFrameType Type, byte Flags, uint StreamId, uint Value, IReadOnlyDictionary<string, string>? Headers, ReadOnlyMemory<byte> Data)
{
    public const byte FlagFin = 0x01;

    public bool Fin => (Flags & FlagFin) != 0;
}
