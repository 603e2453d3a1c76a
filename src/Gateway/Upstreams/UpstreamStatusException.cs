using System.Net;
using System.Text.Json.Nodes;

namespace AgentOperator.Gateway.Upstreams;

/// <summary>The upstream answered with a status that may be retried (5xx, 408, 429).</summary>
public sealed class UpstreamStatusException(HttpStatusCode statusCode, JsonNode? body)
    : Exception($"upstream answered {(int)statusCode}")
{
    public HttpStatusCode StatusCode { get; } = statusCode;
    public JsonNode? Body { get; } = body;
}
