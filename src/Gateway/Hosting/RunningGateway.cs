using AgentOperator.Gateway.Audit;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Telemetry;

namespace AgentOperator.Gateway.Hosting;

/// <summary>A started gateway: its addresses, and a handle to stop it.</summary>
public sealed class RunningGateway : IAsyncDisposable
{
    private readonly WebApplication _agentApp;
    private readonly WebApplication _metricsApp;
    private readonly IAsyncDisposable[] _owned;

    internal RunningGateway(WebApplication agentApp, WebApplication metricsApp, PolicyHolder policies, GatewayMetrics metrics, AuditLog audit, IAsyncDisposable[] owned)
    {
        _agentApp = agentApp;
        _metricsApp = metricsApp;
        Policies = policies;
        Metrics = metrics;
        Audit = audit;
        _owned = owned;
        AgentAddress = new Uri(agentApp.Urls.First());
        MetricsAddress = new Uri(metricsApp.Urls.First());
    }

    /// <summary>Base address of the agent API (always 127.0.0.1).</summary>
    public Uri AgentAddress { get; }

    /// <summary>Base address of /metrics, /healthz and /v1/aggregates.</summary>
    public Uri MetricsAddress { get; }

    /// <summary>The bundle in force; <see cref="PolicyHolder.Load"/> swaps in another.</summary>
    public PolicyHolder Policies { get; }

    /// <summary>The metrics served on /metrics.</summary>
    public GatewayMetrics Metrics { get; }

    /// <summary>The audit log.</summary>
    public AuditLog Audit { get; }

    /// <summary>Completes when the gateway stops (SIGTERM, or <see cref="DisposeAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _agentApp.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops both listeners, then flushes the audit log, ships what it can to the collector and closes the log.</summary>
    public async ValueTask DisposeAsync()
    {
        await _agentApp.StopAsync();
        await _metricsApp.StopAsync();
        await _agentApp.DisposeAsync();
        await _metricsApp.DisposeAsync();
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        if (Audit.Shipper is { } shipper)
        {
            // Graceful termination ships what is buffered; what does not make it ships from the buffer on the next start.
            await Audit.FlushAsync(CancellationToken.None);
            await shipper.DisposeAsync();
        }

        await Audit.DisposeAsync();
    }
}
