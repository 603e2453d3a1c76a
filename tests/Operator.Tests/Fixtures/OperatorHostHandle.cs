using AgentOperator.Operator.Hosting;
using AgentOperator.Operator.Runtime.LeaderElection;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>
/// A real operator host (the one Program.cs runs) on ports picked at run time, reconciling ConfigMaps of one
/// namespace with a <see cref="RecordingReconciler{T}"/>, and its own metrics registry.
/// </summary>
internal sealed class OperatorHostHandle : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private OperatorHostHandle(OperatorOptions options, RecordingReconciler<V1ConfigMap> reconciler)
    {
        Options = options;
        Reconciler = reconciler;
        _app = OperatorHost.Build(options, runtime =>
        {
            runtime.Services.AddSingleton(reconciler);
            runtime.Services.AddSingleton(Prometheus.Metrics.NewCustomRegistry());
            runtime.AddController<V1ConfigMap, RecordingReconciler<V1ConfigMap>>();
        });
    }

    public OperatorOptions Options { get; }

    public RecordingReconciler<V1ConfigMap> Reconciler { get; }

    public bool IsLeading => _app.Services.GetRequiredService<LeaderElectionService>().IsLeading;

    /// <summary>
    /// Starts a host as config/rbac's ServiceAccount, watching <paramref name="namespace"/>; its Lease is
    /// <c>operator-tests-{namespace}</c> in the operator's own namespace, where config/rbac lets it hold one.
    /// </summary>
    public static async Task<OperatorHostHandle> StartAsync(DevClusterFixture cluster, string @namespace, string identity, RecordingReconciler<V1ConfigMap>? reconciler = null, TimeSpan? leaseDuration = null)
    {
        var lease = leaseDuration ?? TimeSpan.FromSeconds(5);
        using (var self = new Kubernetes(cluster.OperatorConfiguration))
        {
            await OperatorIdentity.AssertIsOperatorAsync(cluster.OperatorConfiguration, self);
        }

        var options = new OperatorOptions
        {
            ClientConfiguration = cluster.OperatorConfiguration,
            WatchNamespace = @namespace,
            HealthPort = FreePort.Pick(),
            MetricsPort = FreePort.Pick(),
            ResyncPeriod = TimeSpan.Zero,
            LogLevel = LogLevel.Warning,
            LeaderElection = new LeaderElectionOptions
            {
                Enabled = true,
                LeaseNamespace = await OperatorIdentity.NamespaceAsync(),
                LeaseName = $"operator-tests-{@namespace}",
                Identity = identity,
                LeaseDuration = lease,
                RenewDeadline = lease * 0.8,
                RetryPeriod = TimeSpan.FromMilliseconds(200),
                DrainTimeout = TimeSpan.FromSeconds(5),
            },
        };
        var handle = new OperatorHostHandle(options, reconciler ?? new RecordingReconciler<V1ConfigMap>());
        await handle._app.StartAsync();
        return handle;
    }

    /// <summary>What SIGTERM does: the host's graceful stop.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
