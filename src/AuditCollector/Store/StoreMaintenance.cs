using System.Security.Cryptography;
using AgentOperator.AuditCollector.Hosting;
using AgentOperator.AuditCollector.Telemetry;
using AgentOperator.Contracts;
using k8s;
using k8s.Autorest;

namespace AgentOperator.AuditCollector.Store;

/// <summary>
/// The store's timed work, each on its own loop: signed checkpoints of every moved chain (every
/// <see cref="CollectorOptions.CheckpointInterval"/>), retention by the workflow's <c>observability.retentionDays</c>,
/// and verification of every chain against its anchors (its result is the <see cref="AuditMetrics.ChainTampered"/> gauge).
/// </summary>
public sealed partial class StoreMaintenance(ChainStore store, ECDsa key, RecordForwarder forwarder, IKubernetes kubernetes, CollectorMetrics metrics,
    CollectorOptions options, TimeProvider timeProvider, ILogger<StoreMaintenance> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        LoopAsync(options.CheckpointInterval, CheckpointAllAsync, stoppingToken),
        LoopAsync(options.RetentionInterval, ExpireAllAsync, stoppingToken),
        LoopAsync(options.VerifyInterval, VerifyAllAsync, stoppingToken));

    /// <summary>Signs a checkpoint for every chain that moved since its last one.</summary>
    public async Task CheckpointAllAsync(CancellationToken cancellationToken)
    {
        foreach (var chain in await store.AllAsync())
        {
            if (await chain.CheckpointAsync(key, timeProvider.GetUtcNow(), cancellationToken) is { } checkpoint)
            {
                forwarder.Forward(chain.Identity, "checkpoint", checkpoint.ToJson());
            }
        }

        // A pass that throws (a broken volume) leaves the time where it was, so the staleness alert fires.
        metrics.LastCheckpointPass.Set(timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
    }

    /// <summary>Removes, under a signed expiry, every closed segment older than its workflow's retention.</summary>
    public async Task ExpireAllAsync(CancellationToken cancellationToken)
    {
        var retention = new Dictionary<(string, string), int>();
        foreach (var chain in await store.AllAsync())
        {
            var workflowKey = (chain.Identity.Namespace, chain.Identity.Workflow);
            if (!retention.TryGetValue(workflowKey, out var days))
            {
                days = retention[workflowKey] = await RetentionDaysAsync(chain.Identity.Namespace, chain.Identity.Workflow, cancellationToken);
            }

            var now = timeProvider.GetUtcNow();
            while (await chain.ExpireOldestAsync(key, now.AddDays(-days), days, now, cancellationToken) is { } expiry)
            {
                forwarder.Forward(chain.Identity, "expiry", expiry.ToJson());
            }
        }
    }

    /// <summary>Verifies every chain; sets the tampered gauge and logs what was found.</summary>
    public async Task VerifyAllAsync(CancellationToken cancellationToken)
    {
        foreach (var chain in await store.AllAsync())
        {
            var report = await AuditChainVerifier.VerifyAsync(new AuditChainDirectory(chain.Identity.Chain, chain.Directory), key, timeProvider, cancellationToken);
            metrics.ChainTampered.WithLabels(chain.Identity.Namespace, chain.Identity.Workflow, chain.Identity.Chain).Set(report.IsIntact ? 0 : 1);
            metrics.Verifications.WithLabels(report.IsIntact ? "intact" : "tampered").Inc();
            if (!report.IsIntact)
            {
                LogTampered(logger, report.ToString());
            }
        }
    }

    private async Task<int> RetentionDaysAsync(string @namespace, string workflow, CancellationToken cancellationToken)
    {
        try
        {
            var found = await kubernetes.CustomObjects.GetNamespacedCustomObjectAsync<System.Text.Json.JsonElement>("agentoperator.io", "v1alpha1", @namespace, "agentworkflows", workflow, cancellationToken);
            return found.TryGetProperty("spec", out var spec) && spec.TryGetProperty("observability", out var observability)
                && observability.TryGetProperty("retentionDays", out var days) && days.TryGetInt32(out var value) && value > 0
                ? value
                : options.DefaultRetentionDays;
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return options.DefaultRetentionDays;
        }
    }

    private async Task LoopAsync(TimeSpan interval, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await work(stoppingToken);
                }
                catch (Exception exception) when (exception is IOException or HttpOperationException or HttpRequestException or UnauthorizedAccessException)
                {
                    LogMaintenanceFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit store verification: {Report}")]
    private static partial void LogTampered(ILogger logger, string report);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit store maintenance failed; it runs again at its next interval")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}
