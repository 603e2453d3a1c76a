using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AgentOperator.Manifests.Tests.Startup;

/// <summary>
/// The one place the published-operator tests may change a rendered argument: the manifests fix the ports (8080
/// metrics, 8081 health) and the operator binds them on every interface. When one is taken on this machine (another
/// test run, a local service), its <c>--metrics-port=</c>/<c>--health-port=</c> value is rewritten to a free port and
/// the test says so; every other argument is passed exactly as rendered.
/// </summary>
public static class ManifestPorts
{
    private static readonly string[] PortFlags = ["--metrics-port=", "--health-port="];

    /// <summary>The args with each taken port flag moved to a free port, and what was rewritten (empty when nothing).</summary>
    public static (IReadOnlyList<string> Args, IReadOnlyList<string> Rewritten) FreeOrRewrite(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = new List<string>(args.Count);
        var rewritten = new List<string>();
        foreach (var arg in args)
        {
            var flag = PortFlags.FirstOrDefault(f => arg.StartsWith(f, StringComparison.Ordinal));
            if (flag is not null && int.TryParse(arg[flag.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && !IsFree(port))
            {
                var free = FreePort();
                result.Add(flag + free.ToString(CultureInfo.InvariantCulture));
                rewritten.Add($"{arg} -> {result[^1]} (port {port} is taken on this machine)");
                continue;
            }

            result.Add(arg);
        }

        return (result, rewritten);
    }

    /// <summary>The value of <paramref name="flag"/> (e.g. <c>--health-port</c>) in <paramref name="args"/>.</summary>
    public static int Of(IReadOnlyList<string> args, string flag)
    {
        ArgumentNullException.ThrowIfNull(args);
        var arg = Assert.Single(args, a => a.StartsWith(flag + "=", StringComparison.Ordinal));
        return int.Parse(arg[(flag.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
