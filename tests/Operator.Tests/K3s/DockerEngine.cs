using System.Net.Sockets;

namespace AgentOperator.Operator.Tests.K3s;

/// <summary>
/// The Docker engine the K3s suite needs, found as Testcontainers finds it (<c>DOCKER_HOST</c>, else the default
/// sockets) and asked <c>GET /_ping</c>. Probed once per test run, in at most a few seconds, so a machine without
/// Docker skips the suite at once.
/// </summary>
internal static class DockerEngine
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(3);
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Null when an engine answers the ping; otherwise why the suite cannot run (the skip reason).</summary>
    public static string? UnavailableReason => Unavailable.Value;

    /// <summary>An HTTP client for the engine's API (<c>http://docker/...</c>), over its unix socket or TCP address.</summary>
    public static HttpClient CreateClient(TimeSpan timeout)
    {
        var endpoint = Endpoint() ?? throw new InvalidOperationException(UnavailableReason);
        if (endpoint.Scheme == "unix")
        {
            var socketPath = endpoint.AbsolutePath;
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            return new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = timeout };
        }

        return new HttpClient { BaseAddress = new UriBuilder("http", endpoint.Host, endpoint.Port).Uri, Timeout = timeout };
    }

    private static string? Probe()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (Endpoint() is not { } endpoint)
        {
            return string.IsNullOrEmpty(host)
                ? $"no Docker engine: DOCKER_HOST is unset and none of {string.Join(", ", DefaultSockets())} exists"
                : $"no Docker engine: DOCKER_HOST '{host}' is neither unix:// nor tcp://";
        }

        if (endpoint.Scheme == "tcp" && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY")))
        {
            return $"no Docker engine: {endpoint} needs TLS client certificates, which this suite's probe does not use";
        }

        try
        {
            using var client = CreateClient(PingTimeout);
            using var response = client.GetAsync(new Uri("_ping", UriKind.Relative)).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode ? null : $"no Docker engine: {endpoint} answered /_ping with {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException or IOException)
        {
            return $"no Docker engine: {endpoint} does not answer ({e.Message})";
        }
    }

    private static Uri? Endpoint()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host))
        {
            return Uri.TryCreate(host, UriKind.Absolute, out var uri) && uri.Scheme is "unix" or "tcp" ? uri : null;
        }

        return DefaultSockets().Where(File.Exists).Select(path => new Uri("unix://" + path)).FirstOrDefault();
    }

    private static IEnumerable<string> DefaultSockets()
    {
        yield return "/var/run/docker.sock";
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime)
        {
            yield return Path.Combine(runtime, "docker.sock"); // rootless Docker
        }

        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker", "run", "docker.sock"); // Docker Desktop
    }
}
