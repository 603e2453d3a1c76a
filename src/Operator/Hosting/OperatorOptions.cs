using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Runtime.LeaderElection;
using k8s;

namespace AgentOperator.Operator.Hosting;

/// <summary>How the operator runs; built from the command line by <see cref="OperatorCommandLine"/>. Every default is written on its property.</summary>
internal sealed record OperatorOptions
{
    /// <summary>Kubeconfig to use (<c>--kubeconfig</c>); null (default) uses KUBECONFIG, then ~/.kube/config, then the in-cluster service account.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>
    /// The API server and credentials, for an operator started in-process (dev mode and the tests run it as
    /// <c>config/rbac</c>'s ServiceAccount); null (default) uses <see cref="Kubeconfig"/>. No command-line flag sets it.
    /// </summary>
    public KubernetesClientConfiguration? ClientConfiguration { get; init; }

    /// <summary>Watch and reconcile only this namespace (<c>--namespace</c>); null (default) means all namespaces.</summary>
    public string? WatchNamespace { get; init; }

    /// <summary>Leader election (<c>--leader-elect</c>, <c>--leader-election-namespace</c>, <c>--leader-election-id</c>); off by default.</summary>
    public LeaderElectionOptions LeaderElection { get; init; } = new();

    /// <summary>Port of <c>/metrics</c> on all interfaces (<c>--metrics-port</c>, default 8080).</summary>
    public int MetricsPort { get; init; } = 8080;

    /// <summary>Port of <c>/healthz</c> and <c>/readyz</c> on all interfaces (<c>--health-port</c>, default 8081).</summary>
    public int HealthPort { get; init; } = 8081;

    /// <summary>Keys each controller reconciles in parallel (<c>--max-concurrent-reconciles</c>, default 4).</summary>
    public int MaxConcurrentReconciles { get; init; } = 4;

    /// <summary>How often every object is reconciled again without a change (<c>--resync-period</c>, default 10 min; 0 turns it off).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Minimum log level (<c>--log-level</c>: trace, debug, info, warn, error, or the .NET names information, warning, critical; default information).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>OTLP endpoint for reconcile traces (<c>--otlp-endpoint</c>); null (default) uses OTEL_EXPORTER_OTLP_ENDPOINT, and exports nothing when that is unset too.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>The audit collector every gateway ships its records to (<c>--audit-collector</c>); null: records stay in the pods.</summary>
    public Uri? AuditCollector { get; init; }

    /// <summary>How notifications are delivered; <c>--console-url</c> sets the base of their console links.</summary>
    public Notifications.NotificationOptions Notifications { get; init; } = new();

    /// <summary>Where canary analysis queries instead of each spec's own source (dev mode sets it); default: no override.</summary>
    public AnalysisOptions Analysis { get; init; } = new();
}
