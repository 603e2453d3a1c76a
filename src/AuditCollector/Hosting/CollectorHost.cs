using System.Net;
using AgentOperator.AuditCollector.Api;
using AgentOperator.AuditCollector.Identity;
using AgentOperator.AuditCollector.Signing;
using AgentOperator.AuditCollector.Store;
using AgentOperator.AuditCollector.Telemetry;
using k8s;
using Prometheus;

namespace AgentOperator.AuditCollector.Hosting;

/// <summary>Starts a collector from code (its <c>serve</c> command, tests): the API, /metrics and /healthz on one port.</summary>
public static class CollectorHost
{
    public static async Task<RunningCollector> StartAsync(CollectorOptions options, IKubernetes kubernetes, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        timeProvider ??= TimeProvider.System;
        var key = CheckpointKey.LoadOrCreate(options.SigningKeyPath);
        var store = new ChainStore(options.DataDirectory, options.SegmentBytes);
        await store.LoadAsync(cancellationToken);
        var forwarder = new RecordForwarder(options.ForwardTo());
        var metrics = new CollectorMetrics();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        // Logs go to standard error: standard output carries only the forwarded records.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(options.BindAddress), options.Port);
            kestrel.Limits.MaxRequestBodySize = Contracts.AuditCollectorApi.MaxBatchBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddSingleton(timeProvider);
        builder.Services.AddSingleton(kubernetes);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(forwarder);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(key);
        builder.Services.AddSingleton(new TokenAuthenticator(kubernetes, timeProvider, options.TokenCacheTime));
        builder.Services.AddSingleton<StoreMaintenance>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreMaintenance>());
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.MapGatewayApi();
        app.MapReadApi(key);
        app.MapRunApi();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapMetrics("/metrics", metrics.Registry);
        await app.StartAsync(cancellationToken);
        return new RunningCollector(app, store, forwarder, key, app.Services.GetRequiredService<StoreMaintenance>());
    }
}
