namespace AgentOperator.DevCluster.Streaming;

/// <summary>A terminal size as the resize channel carries it (<c>{"Width":80,"Height":24}</c>, remotecommand.TerminalSize).</summary>
internal readonly record struct TerminalSize(ushort Width, ushort Height);
