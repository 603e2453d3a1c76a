using System.Net;

namespace AgentOperator.KubectlAgents.Cli;

/// <summary>
/// A failure the user can act on: its message goes to stderr as is, and the command exits 1. <see cref="Status"/> is the
/// API server's answer when the failure is a refusal of it (e.g. 409, which a command may retry on a fresh read).
/// </summary>
public sealed class CommandFailureException(string message, HttpStatusCode? status = null) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}
