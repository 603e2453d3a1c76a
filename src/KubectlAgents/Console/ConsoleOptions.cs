using System.Net;
using AgentOperator.Contracts;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>Where <c>kubectl agents console</c> listens and where it reads runs and audit from.</summary>
/// <param name="Address">A loopback address (<c>--address</c>, default <see cref="DefaultAddress"/>).</param>
/// <param name="Port">The port (<c>--port</c>, default <see cref="DefaultPort"/>; 0 picks a free one).</param>
/// <param name="Collector">The audit collector's base URL (<c>--collector</c>), or null: runs, evidence and audit pages say how to get one.</param>
public sealed record ConsoleOptions(IPAddress Address, int Port, Uri? Collector)
{
    /// <summary>Next to <c>kubectl argo rollouts dashboard</c>'s 3100, so both can run at once.</summary>
    public const int DefaultPort = ConsoleLinks.DefaultPort;

    public static IPAddress DefaultAddress { get; } = IPAddress.Loopback;
}
