using AgentOperator.DevMode.Gateways;
using AgentOperator.DevMode.LiveView;
using k8s;

namespace AgentOperator.DevMode.Analysis;

/// <summary>
/// Where dev mode's canary analysis reads the gateways' metrics: a <see cref="LocalPrometheus"/> on the node's address
/// scraping every gateway pod as config/prometheus's PodMonitor would (targets kept current as pods come and go, each
/// series labelled with its namespace and pod). The workflows' own Prometheus address reaches it through the stand-in
/// Service dev mode creates (<see cref="Upstreams.UpstreamStandIns"/>). Without Prometheus installed there is no
/// analysis source: canaries stay on their step with an inconclusive analysis, and dev mode says so.
/// </summary>
internal sealed class DevModeAnalysis : IAsyncDisposable
{
    private static readonly TimeSpan TargetRefreshInterval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _targetSync;

    private DevModeAnalysis(LocalPrometheus prometheus, IKubernetes admin, PlainProgressLog log, TimeProvider time)
    {
        Prometheus = prometheus;
        _targetSync = KeepTargetsCurrentAsync(admin, prometheus, log, time, _stopping.Token);
    }

    /// <summary>The Prometheus the gateways are scraped into.</summary>
    public LocalPrometheus Prometheus { get; }

    /// <summary>
    /// Starts Prometheus with <paramref name="options"/> when its binary is there and it starts, and says on
    /// <paramref name="log"/> what happened; null when it is not installed or did not start.
    /// </summary>
    public static async Task<DevModeAnalysis?> StartAsync(IKubernetes admin, LocalPrometheusOptions options, PlainProgressLog log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (options.BinaryPath is { } binary ? !File.Exists(binary) : !LocalPrometheus.IsInstalled)
        {
            await log.WriteAsync($"analysis: Prometheus is not installed ({options.BinaryPath ?? "apt-get install -y prometheus"}): canary analysis has no data, so canaries wait on their step");
            return null;
        }

        try
        {
            var local = await LocalPrometheus.StartAsync(options, time, cancellationToken);
            if (local.Reaped.Count > 0)
            {
                await log.WriteAsync($"analysis: killed {local.Reaped.Count} Prometheus a killed dev mode or test run left running (pid {string.Join(", ", local.Reaped)})");
            }

            await log.WriteAsync($"analysis: Prometheus at {local.Address} scrapes every gateway pod, as config/prometheus's PodMonitor selects them");
            return new DevModeAnalysis(local, admin, log, time);
        }
        catch (InvalidOperationException exception)
        {
            await log.WriteAsync($"analysis: Prometheus is installed but did not start ({exception.Message.Split('\n')[0]}): canary analysis has no data");
            return null;
        }
    }

    private static async Task KeepTargetsCurrentAsync(IKubernetes admin, LocalPrometheus prometheus, PlainProgressLog log, TimeProvider time, CancellationToken ct)
    {
        var current = new HashSet<ScrapeTarget>();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var targets = (await GatewayPods.ListAsync(admin, ct)).Select(g => new ScrapeTarget(g.MetricsAddress, new Dictionary<string, string>
                {
                    ["namespace"] = g.Namespace,
                    ["pod"] = g.Pod,
                })).ToHashSet();
                if (!targets.SetEquals(current))
                {
                    await prometheus.SetTargetsAsync(targets, ct);
                    current = targets;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception exception) when (exception is IOException or HttpRequestException or k8s.Autorest.HttpOperationException)
            {
                await log.WriteAsync($"analysis: could not update Prometheus' targets ({exception.Message}); retrying");
            }

            try
            {
                await Task.Delay(TargetRefreshInterval, time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _targetSync;
        await Prometheus.DisposeAsync();
        _stopping.Dispose();
    }
}
