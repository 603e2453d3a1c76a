using System.Net;

namespace AgentOperator.Gateway.Upstreams;

/// <summary>The upstream answered with a status that may be retried (5xx, 408, 429).</summary>
public sealed class UpstreamStatusException(HttpStatusCode statusCode, byte[]? body)
    : Exception($"upstream answered {(int)statusCode}")
{
    public HttpStatusCode StatusCode { get; } = statusCode;
    /// <summary>The upstream's answer as compact JSON (see <see cref="UpstreamOutcome.Result"/>).</summary>
    public byte[]? Body { get; } = body;
}
