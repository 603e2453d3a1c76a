namespace AgentOperator.Gateway.Upstreams;

/// <summary>What an upstream tool call produced.</summary>
/// <param name="Succeeded">True when the upstream answered with a success.</param>
/// <param name="Result">
/// The upstream's answer as compact UTF-8 JSON (for MCP, the <c>CallToolResult</c>; an answer that is not JSON,
/// as a JSON string); null when it answered nothing.
/// </param>
/// <param name="Failure">Why the call failed, when it did: see <see cref="UpstreamFailure"/>.</param>
/// <param name="UpstreamStatus">HTTP status the upstream answered, when it answered over HTTP.</param>
/// <param name="Attempts">Attempts made (retries happen only for reads).</param>
public sealed record UpstreamOutcome(bool Succeeded, byte[]? Result, UpstreamFailure? Failure, int? UpstreamStatus, int Attempts)
{
    public static UpstreamOutcome Success(byte[]? result, int? status, int attempts) => new(true, result, null, status, attempts);

    public static UpstreamOutcome Failed(UpstreamFailure failure, byte[]? result, int? status, int attempts) => new(false, result, failure, status, attempts);
}

/// <summary>Why an upstream call failed.</summary>
public enum UpstreamFailure
{
    /// <summary>The upstream answered with an error (HTTP 4xx/5xx, MCP isError).</summary>
    Rejected,

    /// <summary>No answer within the tool's timeout.</summary>
    TimedOut,

    /// <summary>The circuit breaker is open after repeated failures; the call was not attempted.</summary>
    CircuitOpen,

    /// <summary>Connection refused, reset or DNS.</summary>
    Unreachable,

    /// <summary>The upstream's credential (mounted Secret or audience token) is missing or unreadable; the call was not attempted.</summary>
    CredentialMissing,
}
