namespace AgentOperator.Gateway.Upstreams;

/// <summary>An upstream credential could not be loaded; the message names no secret value.</summary>
public sealed class UpstreamCredentialException(string message) : Exception(message);
