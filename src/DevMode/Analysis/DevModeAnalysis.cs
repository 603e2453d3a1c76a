using AgentOperator.DevMode.LiveView;
using AgentOperator.DevMode.Pods;
using AgentOperator.Operator.Analysis;

namespace AgentOperator.DevMode.Analysis;

/// <summary>
/// Where dev mode's canary analysis reads the gateways' metrics, since the examples' Prometheus address does not exist
/// here: a <see cref="LocalPrometheus"/> scraping every in-process gateway (targets kept current as pods come and go)
/// when Prometheus is installed, else (not installed, did not start, or <c>--no-prometheus</c>) a
/// <see cref="GatewayAggregatesServer"/> summing the gateways' own aggregates for the web provider. <see cref="Options"/>
/// is what the operator is given.
/// </summary>
internal sealed class DevModeAnalysis : IAsyncDisposable
{
    private static readonly TimeSpan TargetRefreshInterval = TimeSpan.FromSeconds(1);

    private readonly LocalPrometheus? _prometheus;
    private readonly GatewayAggregatesServer? _aggregates;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _targetSync = Task.CompletedTask;

    private DevModeAnalysis(AnalysisOptions options, LocalPrometheus? prometheus, GatewayAggregatesServer? aggregates, Func<CancellationToken, Task>? targetSync)
    {
        Options = options;
        _prometheus = prometheus;
        _aggregates = aggregates;
        if (targetSync is not null)
        {
            _targetSync = targetSync(_stopping.Token);
        }
    }

    /// <summary>The overrides for the operator's analysis.</summary>
    public AnalysisOptions Options { get; }

    /// <summary>
    /// Starts the analysis source and says on <paramref name="log"/> which one, and why: a <see cref="LocalPrometheus"/>
    /// run with <paramref name="prometheus"/> when its binary is there and it starts, else (and always when
    /// <paramref name="prometheus"/> is null, <c>--no-prometheus</c>) the aggregates of <paramref name="gateways"/>.
    /// </summary>
    public static async Task<DevModeAnalysis> StartAsync(
        Func<IReadOnlyCollection<PodGatewayEndpoint>> gateways, LocalPrometheusOptions? prometheus, HttpClient http, PlainProgressLog log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        ArgumentNullException.ThrowIfNull(log);
        if (prometheus is null)
        {
            await log.WriteAsync("analysis: Prometheus is not used (--no-prometheus), so canary analysis uses the gateways' own aggregates (cumulative, not windowed)");
        }
        else if (!IsInstalled(prometheus))
        {
            await log.WriteAsync($"analysis: Prometheus is not installed ({prometheus.BinaryPath ?? "apt-get install -y prometheus"}), so canary analysis uses the gateways' own aggregates (cumulative, not windowed)");
        }
        else
        {
            try
            {
                var local = await LocalPrometheus.StartAsync(prometheus, time, cancellationToken);
                await log.WriteAsync($"analysis: Prometheus at {local.Address} scrapes every in-process gateway; canary analysis queries it instead of the examples' in-cluster address");
                return new DevModeAnalysis(
                    new AnalysisOptions { PrometheusAddressOverride = local.Address },
                    local,
                    aggregates: null,
                    ct => KeepTargetsCurrentAsync(gateways, local, log, time, ct));
            }
            catch (InvalidOperationException exception)
            {
                await log.WriteAsync($"analysis: Prometheus is installed but did not start ({exception.Message.Split('\n')[0]}); falling back to the gateways' own aggregates");
            }
        }

        var aggregates = await GatewayAggregatesServer.StartAsync(gateways, http, time, cancellationToken);
        await log.WriteAsync($"analysis: every workflow is analysed through {aggregates.Url} (the web provider over the in-process gateways of its namespace)");
        return new DevModeAnalysis(new AnalysisOptions { WebUrlOverride = aggregates.AnalysisUrl }, prometheus: null, aggregates, targetSync: null);
    }

    // A binary named in the options must exist; otherwise LocalPrometheus looks on PATH.
    private static bool IsInstalled(LocalPrometheusOptions prometheus) =>
        prometheus.BinaryPath is { } binary ? File.Exists(binary) : LocalPrometheus.IsInstalled;

    private static async Task KeepTargetsCurrentAsync(Func<IReadOnlyCollection<PodGatewayEndpoint>> gateways, LocalPrometheus prometheus, PlainProgressLog log, TimeProvider time, CancellationToken ct)
    {
        var current = new HashSet<Uri>();
        while (!ct.IsCancellationRequested)
        {
            var targets = gateways().Select(g => g.MetricsAddress).ToHashSet();
            if (!targets.SetEquals(current))
            {
                try
                {
                    await prometheus.SetTargetsAsync(targets, ct);
                    current = targets;
                }
                catch (IOException exception)
                {
                    await log.WriteAsync($"analysis: could not update Prometheus' targets ({exception.Message}); retrying");
                }
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
        try
        {
            await _targetSync;
        }
        catch (OperationCanceledException)
        {
        }

        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_aggregates is not null)
        {
            await _aggregates.DisposeAsync();
        }

        _stopping.Dispose();
    }
}
