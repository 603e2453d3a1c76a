using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster;
using AgentOperator.DevCluster.Simulation;
using AgentOperator.Gateway.Hosting;
using k8s;

namespace AgentOperator.DevMode.Pods;

/// <summary>
/// The kubelet of dev mode. Pods with a container of the project's own images run as real in-process programs:
/// the gateway image runs the real gateway, the sample-agent image the simulated agent, each with the pod's
/// environment, its volumes materialised as files (Secrets, ConfigMaps, projected service-account tokens from
/// the TokenRequest API, refreshed at 80 % of their lifetime) in a per-pod folder. Other pods are only marked
/// Running, like KWOK (<see cref="ReadyPodRunner"/>). Native sidecars (init containers with restartPolicy Always) start
/// before the regular containers. Service pods run until deleted; run-to-completion pods end when their agent containers
/// do, each with its termination message, and their sidecars are stopped after. A container that fails fails the pod.
/// </summary>
internal sealed partial class InProcessPodRunner(InProcessPodRunnerOptions options, ILoggerFactory loggerFactory) : IPodRunner, IAsyncDisposable
{
    private readonly TaskCompletionSource<ClusterAccess> _cluster = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReadyPodRunner _fallback = new();
    private readonly ConcurrentDictionary<string, PodGatewayEndpoint> _gateways = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<InProcessPodRunner>();
    private readonly CancellationTokenSource _stopping = new();
    private Kubernetes? _admin;

    /// <summary>The gateways of running pods, keyed by namespace/pod (a pod may have more than one gateway container; the last wins).</summary>
    public IReadOnlyCollection<PodGatewayEndpoint> Gateways => [.. _gateways.Values];

    /// <summary>Pods running in-process now.</summary>
    public int RunningPods => _running.Count;

    /// <summary>Connects the runner to the server it runs pods for (created after the runner, which the server's options carry).</summary>
    public void Attach(DevClusterServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        _admin = new Kubernetes(server.CreateClientConfiguration());
        _cluster.TrySetResult(new ClusterAccess(_admin, server.BaseAddress, server.CertificateAuthorityPem));
    }

    /// <summary>True when the runner runs <paramref name="image"/> in-process.</summary>
    public bool RunsInProcess(string image) =>
        ContainerImage.IsFrom(image, options.GatewayRepository) || ContainerImage.IsFrom(image, options.SampleAgentRepository);

    public async Task<PodOutcome?> RunAsync(PodContext pod, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (!pod.Images.Any(RunsInProcess))
        {
            return await _fallback.RunAsync(pod, ct);
        }

        var key = $"{pod.Namespace}/{pod.Name}";
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        var run = RunInProcessAsync(pod, key, stopping.Token);
        _running[key] = run;
        try
        {
            return await run;
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }

    private async Task<PodOutcome?> RunInProcessAsync(PodContext context, string key, CancellationToken ct)
    {
        ClusterAccess cluster;
        try
        {
            cluster = await _cluster.Task.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        PodManifest pod;
        try
        {
            pod = PodManifest.Parse(context.PodJson);
        }
        catch (FormatException exception)
        {
            return PodOutcome.Failure(1, exception.Message);
        }

        using var files = PodFilesystem.Create(options.WorkDirectory, pod);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var gateways = new List<RunningGateway>();
        var refreshes = new List<Task>();
        var agents = new List<(string Container, Task<string?> Run)>();
        try
        {
            var volumes = new PodVolumes(cluster.Admin, pod, files, cluster.CertificateAuthorityPem, options.TimeProvider);
            await volumes.MaterializeAsync(stop.Token);
            refreshes.AddRange(volumes.Tokens.Select(t => t.RefreshUntilCancelledAsync(e => Log.TokenRefreshFailed(_logger, e, key), stop.Token)));

            // Gateways first (sidecars before regular containers, as the kubelet starts them): the agents need their real ports.
            var gatewaysByDeclaredPort = new Dictionary<int, Uri>();
            foreach (var container in pod.Sidecars.Concat(pod.Containers).Where(c => IsImage(c, options.GatewayRepository)))
            {
                var (gateway, endpoint, declaredPort) = await GatewayContainer.StartAsync(cluster, pod, container, files, options, loggerFactory, stop.Token);
                gateways.Add(gateway);
                gatewaysByDeclaredPort[declaredPort] = gateway.AgentAddress;
                _gateways[key] = endpoint;
            }

            foreach (var container in pod.Containers.Where(c => IsImage(c, options.SampleAgentRepository)))
            {
                agents.Add((PodManifest.Text(container, "name") ?? "", SampleAgentContainer.RunAsync(cluster, pod, container, files, gatewaysByDeclaredPort, options.TimeProvider, stop.Token)));
            }

            Log.PodStarted(_logger, key, gateways.Count, agents.Count);
            return await WaitForOutcomeAsync(pod, agents, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.PodFailed(_logger, exception, key);
            return PodOutcome.Failure(1, exception.Message);
        }
        finally
        {
            _gateways.TryRemove(key, out _);
            await stop.CancelAsync();
            await Quietly(agents.Select(a => a.Run));
            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync();
            }

            await Quietly(refreshes);
        }
    }

    // A run-to-completion pod ends when all its agents have, failed if one failed (each container with its own
    // exit and termination message); its sidecars are stopped after. A service pod runs until it is deleted, unless a container fails.
    private static async Task<PodOutcome?> WaitForOutcomeAsync(PodManifest pod, List<(string Container, Task<string?> Run)> agents, CancellationToken ct)
    {
        if (pod.RunsToCompletion && agents.Count > 0)
        {
            var containers = new Dictionary<string, ContainerOutcome>(StringComparer.Ordinal);
            foreach (var (container, run) in agents)
            {
                try
                {
                    containers[container] = new ContainerOutcome(0, "Completed", await run ?? "");
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    containers[container] = new ContainerOutcome(1, "Error", exception.Message);
                }
            }

            var failed = containers.Values.FirstOrDefault(c => c.ExitCode != 0);
            var outcome = failed is null
                ? PodOutcome.Success with { Message = string.Join("\n", containers.Values.Select(c => c.Message).Where(m => m.Length > 0)) }
                : PodOutcome.Failure(failed.ExitCode, failed.Message);
            return outcome with { Containers = containers };
        }

        var pending = new List<Task>(agents.Select(a => a.Run)) { Task.Delay(Timeout.Infinite, ct) };
        while (pending.Count > 0)
        {
            var finished = await Task.WhenAny(pending);
            pending.Remove(finished);
            await finished; // throws for a failed container, and for the pod's deletion
        }

        return null;
    }

    private static bool IsImage(JsonObject container, string repository) =>
        PodManifest.Text(container, "image") is { } image && ContainerImage.IsFrom(image, repository);

    private static async Task Quietly(IEnumerable<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException or HttpRequestException or FormatException or IOException)
        {
            // Already reported through the pod's outcome, or the pod was stopped.
        }
    }

    /// <summary>
    /// Stops every in-process pod and waits (up to 10 s) until they have; call it before stopping the API server,
    /// whose graceful shutdown would otherwise wait for the gateways' watches (like draining a node first).
    /// </summary>
    public async Task StopAllAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_running.Values).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
        }
    }

    /// <summary>Stops the pods still running (see <see cref="StopAllAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAllAsync();
        _stopping.Dispose();
        _admin?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod} runs in-process: {Gateways} gateway(s), {Agents} agent(s)")]
        public static partial void PodStarted(ILogger logger, string pod, int gateways, int agents);

        [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod} failed")]
        public static partial void PodFailed(ILogger logger, Exception exception, string pod);

        [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: refreshing a projected token failed; retrying")]
        public static partial void TokenRefreshFailed(ILogger logger, Exception exception, string pod);
    }
}
