using System.Net;
using AgentOperator.Gateway.Approvals;
using AgentOperator.Gateway.Audit;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Http;
using AgentOperator.Gateway.Mcp;
using AgentOperator.Gateway.Models;
using AgentOperator.Gateway.Runs;
using AgentOperator.Gateway.Telemetry;
using AgentOperator.Gateway.Tools;
using AgentOperator.Gateway.Upstreams;
using k8s;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentOperator.Gateway.Hosting;

/// <summary>
/// Starts a gateway from code (the CLI's <c>serve</c>, dev mode, a pod runner, tests): the agent API on
/// 127.0.0.1 only, and the metrics port on <see cref="GatewayOptions.MetricsBindAddress"/>.
/// </summary>
public static class GatewayHost
{
    /// <summary>
    /// Starts a gateway. <paramref name="kubernetes"/> is needed for approvals and for a ConfigMap bundle;
    /// without it, calls that need approval are refused. Throws when the initial bundle cannot be loaded.
    /// </summary>
    public static async Task<RunningGateway> StartAsync(GatewayOptions options, IKubernetes? kubernetes = null, TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        timeProvider ??= TimeProvider.System;
        // The gateway's own lines from Information (which bundle it enforces, kill switch included: what `kubectl logs`
        // should answer); the framework's only from Warning, so a request is never a log line.
        var ownedLoggerFactory = loggerFactory is null
            ? LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information)
                .AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning))
            : null;
        loggerFactory ??= ownedLoggerFactory!;

        var audit = await AuditLog.OpenAsync(options.AuditPath, loggerFactory.CreateLogger<AuditLog>(), cancellationToken);
        var metrics = new GatewayMetrics();
        var policies = new PolicyHolder(audit, timeProvider, loggerFactory.CreateLogger<PolicyHolder>());
        IHostedService bundleWatcher;
        try
        {
            bundleWatcher = await LoadInitialBundleAsync(options, kubernetes, policies, timeProvider, loggerFactory, cancellationToken);
        }
        catch
        {
            // No gateway will own the audit log (nor the logger factory): close them before reporting why.
            await audit.DisposeAsync();
            ownedLoggerFactory?.Dispose();
            throw;
        }

        var @namespace = options.Namespace ?? policies.Current!.Engine.Bundle.Workflow.Namespace;
        if (options.AuditCollector is { } collector)
        {
            var shipper = new AuditShipper(audit, new AuditCollectorClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, collector, options.AuditTokenPath, timeProvider),
                timeProvider, loggerFactory.CreateLogger<AuditShipper>()) { AcknowledgementTimeout = options.AuditAcknowledgementTimeout };
            AuditShippingMetrics.Register(metrics, shipper, policies);
            shipper.Start();
        }

        var upstreamHandler = options.UpstreamHandlerFactory?.Invoke() ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false };
        var http = new HttpClient(upstreamHandler) { Timeout = Timeout.InfiniteTimeSpan };
        var upstream = new ToolUpstreamClient(http, new UpstreamCredentialFiles(options.SecretsRoot, options.TokensRoot, timeProvider), new UpstreamResilience(timeProvider), loggerFactory);
        var runs = new RunRegistry(metrics, audit, timeProvider, options.CompletedRunRetention, new RunLimits(options.MaxOpenRuns, options.RunIdleTimeout));
        var redaction = new InputRedaction();
        var approvals = kubernetes is null ? null : new KubernetesApprovalStore(kubernetes, @namespace);
        var tools = new ToolCallService(policies, runs, new IdempotencyStore(timeProvider), approvals, upstream, redaction, metrics, audit, timeProvider, options.ApprovalTimeToLive);
        var models = new ModelCallService(policies, runs, http, new UpstreamCredentialFiles(options.SecretsRoot, options.TokensRoot, timeProvider), metrics, audit, timeProvider);

        var agentBuilder = WebApplication.CreateSlimBuilder();
        agentBuilder.Logging.ClearProviders();
        agentBuilder.Services.AddSingleton(loggerFactory);
        agentBuilder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.AgentPort);
            // A backstop well above every endpoint's own limit (Kestrel counts what it reads ahead of the endpoint), so an
            // oversized body gets the endpoint's problem document, never Kestrel's empty 413.
            kestrel.Limits.MaxRequestBodySize = Math.Max(options.MaxModelRequestBodyBytes, options.MaxMcpRequestBodyBytes) + 1024L * 1024;
            kestrel.AddServerHeader = false;
        });
        agentBuilder.Services.AddSingleton(timeProvider);
        agentBuilder.Services.AddSingleton(policies);
        agentBuilder.Services.AddSingleton(runs);
        agentBuilder.Services.AddSingleton(tools);
        agentBuilder.Services.AddSingleton(models);
        agentBuilder.Services.AddSingleton(metrics);
        agentBuilder.Services.AddSingleton(new RejectedRequest(audit, timeProvider));
        agentBuilder.Services.AddSingleton(bundleWatcher);
        agentBuilder.Services.AddGatewayMcp();
        if (options.OtlpEndpoint is { } otlp)
        {
            agentBuilder.Services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService("agentoperator-gateway"))
                .WithTracing(t => t.AddSource(GatewayTelemetry.SourceName).AddOtlpExporter(o => o.Endpoint = otlp));
        }

        var agentApp = agentBuilder.Build();
        agentApp.MapRunApi();
        agentApp.MapToolApi(options.MaxRequestBodyBytes);
        agentApp.MapModelApi(options.MaxModelRequestBodyBytes);
        agentApp.MapGatewayMcp("/mcp", options.MaxMcpRequestBodyBytes);
        agentApp.MapAuditFlush(audit, timeProvider);

        var metricsBuilder = WebApplication.CreateSlimBuilder();
        metricsBuilder.Logging.ClearProviders();
        metricsBuilder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.MetricsBindAddress), options.MetricsPort));
        var metricsApp = metricsBuilder.Build();
        metricsApp.MapGatewayMetrics(metrics, () => policies.Current is not null);

        await agentApp.StartAsync(cancellationToken);
        await metricsApp.StartAsync(cancellationToken);
        IAsyncDisposable[] owned = ownedLoggerFactory is null
            ? [upstream, new DisposeAction(http.Dispose), new DisposeAction(runs.Dispose)]
            : [upstream, new DisposeAction(http.Dispose), new DisposeAction(runs.Dispose), new DisposeAction(ownedLoggerFactory.Dispose)];
        return new RunningGateway(agentApp, metricsApp, policies, metrics, audit, owned);
    }

    private static async Task<IHostedService> LoadInitialBundleAsync(GatewayOptions options, IKubernetes? kubernetes, PolicyHolder policies, TimeProvider timeProvider,
        ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (options.BundleConfigMap is { } configMap)
        {
            if (kubernetes is null)
            {
                throw new InvalidOperationException("a ConfigMap bundle needs a Kubernetes client");
            }

            var watcher = new BundleConfigMapWatcher(kubernetes, configMap.Namespace, configMap.Name, configMap.Key, policies, timeProvider, loggerFactory.CreateLogger<BundleConfigMapWatcher>());
            if (!await watcher.LoadInitialAsync(cancellationToken))
            {
                throw new InvalidOperationException($"the bundle in ConfigMap {configMap.Namespace}/{configMap.Name} key {configMap.Key} is missing or does not compile");
            }

            return watcher;
        }

        var path = options.BundlePath ?? throw new InvalidOperationException("set BundlePath or BundleConfigMap");
        var fileWatcher = new BundleFileWatcher(path, policies, timeProvider, loggerFactory.CreateLogger<BundleFileWatcher>()) { Interval = options.BundleFilePollInterval };
        fileWatcher.LoadInitial();
        return fileWatcher;
    }

    private sealed class DisposeAction(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
