using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime.Health;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.LeaderElection;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using k8s;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;

namespace AgentOperator.Operator.Hosting;

internal static class OperatorServiceCollectionExtensions
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    /// <summary>Registers the controller runtime: client, informers, leader election, metrics, traces and health checks.</summary>
    public static OperatorRuntimeBuilder AddOperatorRuntime(this IServiceCollection services, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(_ => new Kubernetes(ClientConfiguration(options)));
        services.AddSingleton(new InformerOptions { Namespace = options.WatchNamespace, ResyncPeriod = options.ResyncPeriod });
        services.AddSingleton(sp => new SharedInformerFactory(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<InformerOptions>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(new ControllerOptions { MaxConcurrentReconciles = options.MaxConcurrentReconciles });
        services.AddSingleton(options.LeaderElection);
        services.AddSingleton(options.Analysis);
        services.AddSingleton(options.Notifications);
        services.TryAddSingleton(Prometheus.Metrics.DefaultRegistry);
        services.AddSingleton(sp => new ControllerMetrics(sp.GetRequiredService<CollectorRegistry>()));

        // Informers start first and stop last; the workers stop (drain, release the lease) before them.
        services.AddHostedService<InformersHostedService>();
        services.AddApiServerEndpointDiscovery();
        services.AddSingleton<LeaderElectionService>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaderElectionService>());

        services.AddHealthChecks()
            .AddCheck<WorkersAliveHealthCheck>("workers", tags: [LiveTag])
            .AddCheck<CachesSyncedHealthCheck>("informers", tags: [ReadyTag]);

        if (options.AuditCollector is { } auditCollector)
        {
            services.AddSingleton(new Provisioning.ProvisioningOptions { AuditCollector = auditCollector });
        }

        var otlp = options.OtlpEndpoint ?? EndpointFromEnvironment();
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("agent-operator"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(ReconcileTracing.SourceName);
                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });

        return new OperatorRuntimeBuilder(services);
    }

    /// <summary>
    /// Reads <c>default/kubernetes</c> into the <see cref="DiscoveredApiServerEndpoints"/> that provisioning uses for
    /// the NetworkPolicy's API server egress, and reconciles everything again when they change. Registered before
    /// leader election, whose workers so start once the endpoints are known (or the discovery gave up waiting).
    /// </summary>
    private static void AddApiServerEndpointDiscovery(this IServiceCollection services)
    {
        services.TryAddSingleton<DiscoveredApiServerEndpoints>();
        services.AddSingleton(sp =>
        {
            var endpoints = sp.GetRequiredService<DiscoveredApiServerEndpoints>();
            var controllers = sp.GetServices<IController>().ToList();
            endpoints.Changed += () => controllers.ForEach(c => c.EnqueueAll());
            return new ApiServerEndpointsDiscovery(
                sp.GetRequiredService<IKubernetes>(), endpoints, sp.GetRequiredService<InformerOptions>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<ApiServerEndpointsDiscovery>());
    }

    private static KubernetesClientConfiguration ClientConfiguration(OperatorOptions options) =>
        options.ClientConfiguration ?? (options.Kubeconfig is { } path
            ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
            : KubernetesClientConfiguration.BuildDefaultConfig());

    private static Uri? EndpointFromEnvironment() =>
        Uri.TryCreate(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"), UriKind.Absolute, out var uri) ? uri : null;
}
