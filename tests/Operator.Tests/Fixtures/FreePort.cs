using System.Net;
using System.Net.Sockets;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>Picks a TCP port that is free right now (the OS chooses), for hosts that need a fixed port up front.</summary>
public static class FreePort
{
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
