using System.Security.Cryptography;
using AgentOperator.AuditCollector.Store;

namespace AgentOperator.AuditCollector.Hosting;

/// <summary>A started collector: its address, its store's timed work (callable at once by tests), and a handle to stop it.</summary>
public sealed class RunningCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ChainStore _store;
    private readonly RecordForwarder _forwarder;
    private readonly ECDsa _key;

    internal RunningCollector(WebApplication app, ChainStore store, RecordForwarder forwarder, ECDsa key, StoreMaintenance maintenance)
    {
        _app = app;
        _store = store;
        _forwarder = forwarder;
        _key = key;
        Maintenance = maintenance;
        Address = new Uri(app.Urls.First());
    }

    /// <summary>Base address of the API.</summary>
    public Uri Address { get; }

    /// <summary>Checkpoints, retention, verification.</summary>
    public StoreMaintenance Maintenance { get; }

    /// <summary>Completes when the collector stops (SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        // A last checkpoint, so what was acknowledged is anchored before the process ends.
        await Maintenance.CheckpointAllAsync(CancellationToken.None);
        await _app.DisposeAsync();
        await _forwarder.DisposeAsync();
        await _store.DisposeAsync();
        _key.Dispose();
    }
}
