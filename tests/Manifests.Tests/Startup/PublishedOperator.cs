using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.Manifests.Tests.Images;
using AgentOperator.Manifests.Tests.Infrastructure;

namespace AgentOperator.Manifests.Tests.Startup;

/// <summary>
/// The operator as its image runs it: <c>dotnet publish</c> output (as the Dockerfile's publish-operator stage makes
/// it), started with the operator stage's ENTRYPOINT in its WORKDIR and ENV, plus exactly a Deployment container's
/// args and env, and the kubelet's part: <c>HOSTNAME</c>, <c>KUBERNETES_SERVICE_HOST</c>/<c>PORT</c> and the
/// ServiceAccount's token, ca.crt and namespace at /var/run/secrets/kubernetes.io/serviceaccount, mounted in a private
/// mount namespace (<c>unshare -m</c>) so nothing on the machine changes.
/// <para>
/// Not in a private network namespace: <c>unshare -n</c> gives the process its own loopback, and the API server the
/// test starts in-process listens on the host's 127.0.0.1, so the operator could not reach it without a veth pair.
/// The manifest's ports (8080, 8081) are used as rendered when they are free; see <see cref="ManifestPorts"/>.
/// </para>
/// </summary>
public sealed class PublishedOperator : IAsyncDisposable
{
    /// <summary>Where a pod's ServiceAccount credentials are mounted (the path KubernetesClient's in-cluster config reads).</summary>
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    private static readonly Lazy<string> Published = new(Publish);
    private static readonly Lazy<string?> Unavailable = new(FindUnavailableReason);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;
    private readonly DirectoryInfo _sandbox;

    private PublishedOperator(Process process, ConcurrentQueue<string> output, DirectoryInfo sandbox)
    {
        _process = process;
        _output = output;
        _sandbox = sandbox;
    }

    /// <summary>Why the operator cannot be started the kubelet's way here (not root, no <c>unshare</c>), or null.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    /// <summary>Publishes the operator (once per test run) before the clock of a test's bounded waits starts.</summary>
    public static void Prepare() => _ = Published.Value;

    /// <summary>Everything the process wrote so far (stdout and stderr, interleaved).</summary>
    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the published operator with <paramref name="args"/> and <paramref name="env"/> (the container's, resolved).</summary>
    /// <param name="args">The container's args, verbatim.</param>
    /// <param name="env">The container's env with every valueFrom resolved, in order.</param>
    /// <param name="pod">The pod: its name (HOSTNAME) and the ServiceAccount credentials the kubelet mounts.</param>
    /// <param name="apiServer">What the kubelet puts in KUBERNETES_SERVICE_HOST/PORT.</param>
    public static PublishedOperator Start(IReadOnlyList<string> args, IReadOnlyList<KeyValuePair<string, string>> env, PodIdentity pod, Uri apiServer)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(apiServer);
        var stage = Assert.Single(Dockerfile.Parse(Repository.Read("Dockerfile")), s => s.Name == "operator");
        var entrypoint = Json.Strings(JsonNode.Parse(stage.Last("ENTRYPOINT") ?? throw new InvalidOperationException("the operator stage has no ENTRYPOINT")));
        Assert.Equal("/app", stage.Last("WORKDIR")); // the publish output is copied there

        var sandbox = Directory.CreateTempSubdirectory("agentoperator-published-operator-");
        var credentials = Directory.CreateDirectory(Path.Combine(sandbox.FullName, "serviceaccount"));
        File.WriteAllText(Path.Combine(credentials.FullName, "token"), pod.Token);
        File.WriteAllText(Path.Combine(credentials.FullName, "ca.crt"), pod.CertificateAuthorityPem);
        File.WriteAllText(Path.Combine(credentials.FullName, "namespace"), pod.Namespace);
        var home = Directory.CreateDirectory(Path.Combine(sandbox.FullName, "home")); // no ~/.kube/config to find

        // A tmpfs over /run first: /run/secrets does not exist on the host, and creating it there would outlive the test.
        const string Script = "mount -t tmpfs tmpfs /var/run && mkdir -p " + ServiceAccountDirectory
            + " && mount --bind \"$0\" " + ServiceAccountDirectory + " && exec \"$@\"";
        var start = new ProcessStartInfo("unshare")
        {
            WorkingDirectory = Published.Value,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-m", "--propagation", "private", "sh", "-c", Script, credentials.FullName, .. entrypoint, .. args])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        start.Environment["HOME"] = home.FullName;
        foreach (var (name, value) in ImageEnvironment(stage))
        {
            start.Environment[name] = value;
        }

        start.Environment["HOSTNAME"] = pod.Name;
        start.Environment["KUBERNETES_SERVICE_HOST"] = apiServer.Host;
        start.Environment["KUBERNETES_SERVICE_PORT"] = apiServer.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in env)
        {
            start.Environment[name] = value;
        }

        var output = new ConcurrentQueue<string>();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PublishedOperator(process, output, sandbox);
    }

    /// <summary>SIGTERM as the kubelet sends it, then a kill after the grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Tool.Run("kill", "procps", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        _sandbox.Delete(recursive: true);
    }

    // The ENV lines of the operator stage (the base image's own ENV is not in the Dockerfile and so not here).
    private static IEnumerable<KeyValuePair<string, string>> ImageEnvironment(DockerStage stage) =>
        stage.Instructions.Where(i => i.Keyword == "ENV").Select(i => i.Arguments.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1].Trim('"') : ""));

    // Once per test run, as the Dockerfile does it (framework-dependent, no apphost, Release), into a directory of this
    // checkout's own; incremental afterwards.
    private static string Publish()
    {
        var output = Path.Combine(Path.GetTempPath(), "agentoperator-published-operator", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Repository.Root)))[..12]);
        Tool.Run(TimeSpan.FromMinutes(10), "dotnet", "the .NET SDK", "publish", "src/Operator/Operator.csproj", "-c", "Release", "-o", output, "-p:UseAppHost=false", "-nologo");
        return output;
    }

    private static string? FindUnavailableReason()
    {
        var uid = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
        if (uid != "0")
        {
            return $"not root (uid {uid}): mounting the ServiceAccount credentials at {ServiceAccountDirectory} in a private mount namespace needs root";
        }

        try
        {
            Tool.Run("unshare", "util-linux", "-m", "--propagation", "private", "true");
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"unshare -m does not work here: {e.Message}";
        }
    }
}

/// <summary>What the kubelet gives a pod: its name and namespace, and its ServiceAccount's token and the cluster CA.</summary>
/// <param name="Name">metadata.name (and HOSTNAME).</param>
/// <param name="Namespace">metadata.namespace (and the credentials' namespace file).</param>
/// <param name="Token">A TokenRequest token of the pod's ServiceAccount.</param>
/// <param name="CertificateAuthorityPem">The cluster CA (ca.crt).</param>
public sealed record PodIdentity(string Name, string Namespace, string Token, string CertificateAuthorityPem);
