using AgentOperator.DevCluster;

// dotnet run --project src/DevCluster -- --kubeconfig PATH [--port N] [--no-auth] [--token-auth-file FILE]
// Serves until SIGTERM or Ctrl-C; the kubeconfig is written once the server accepts requests.
string? kubeconfig = null;
var port = 0;
var auth = true;
string? tokenAuthFile = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--kubeconfig" when i + 1 < args.Length:
            kubeconfig = args[++i];
            break;
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var p):
            port = p;
            i++;
            break;
        case "--no-auth":
            auth = false;
            break;
        case "--token-auth-file" when i + 1 < args.Length:
            tokenAuthFile = args[++i];
            break;
        default:
            Console.Error.WriteLine("usage: AgentOperator.DevCluster --kubeconfig PATH [--port N] [--no-auth] [--token-auth-file FILE]");
            return 2;
    }
}

IReadOnlyList<AgentOperator.DevCluster.Auth.StaticToken> staticTokens;
try
{
    staticTokens = tokenAuthFile is null ? [] : AgentOperator.DevCluster.Auth.StaticToken.ParseFile(tokenAuthFile);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
{
    Console.Error.WriteLine($"error: --token-auth-file: {e.Message}");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    stop.Cancel();
});

await using var cluster = await DevClusterServer.StartAsync(new DevClusterOptions { Port = port, RequireAuthentication = auth, StaticTokens = staticTokens }, stop.Token);
if (kubeconfig is not null)
{
    cluster.WriteKubeconfig(kubeconfig);
    Console.WriteLine($"DevCluster serving at {cluster.BaseAddress}; kubeconfig written to {kubeconfig}");
}
else
{
    Console.WriteLine($"DevCluster serving at {cluster.BaseAddress}; admin token {cluster.AdminToken}");
}

try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

return 0;
