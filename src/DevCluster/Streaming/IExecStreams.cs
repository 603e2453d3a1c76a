using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// The streams of one exec as the client opened them (remotecommand: stdin, stdout, stderr, error, resize), whatever
/// carries them: WebSocket channels or SPDY streams. Disposing ends the exchange (the client then sees EOF everywhere).
/// </summary>
internal interface IExecStreams : IAsyncDisposable
{
    /// <summary>What the client sends to the command's stdin (null when it asked for none); ends when the client closes it.</summary>
    Stream? Stdin { get; }

    /// <summary>The client's stdout (null when it asked for none).</summary>
    Stream? Stdout { get; }

    /// <summary>The client's stderr (null when it asked for none, always with a TTY).</summary>
    Stream? Stderr { get; }

    /// <summary>The terminal sizes the client sends (a TTY exec), in order.</summary>
    ChannelReader<TerminalSize> Resizes { get; }

    /// <summary>Sends the outcome (a metav1.Status) on the error stream.</summary>
    Task WriteStatusAsync(JsonObject status, CancellationToken ct);
}
