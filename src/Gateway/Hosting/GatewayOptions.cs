using AgentOperator.Contracts;

namespace AgentOperator.Gateway.Hosting;

/// <summary>How one gateway instance runs. Inputs are records; every default is documented here.</summary>
public sealed record GatewayOptions
{
    /// <summary>Bundle file to enforce (outside Kubernetes, or a mounted copy); reloaded when it changes. Either this or <see cref="BundleConfigMap"/>.</summary>
    public string? BundlePath { get; init; }

    /// <summary>Inside a pod: the revision's policy ConfigMap, watched through the API.</summary>
    public ConfigMapReference? BundleConfigMap { get; init; }

    /// <summary>Port of the agent API on 127.0.0.1; 0 (default) picks a free port.</summary>
    public int AgentPort { get; init; }

    /// <summary>Port of /metrics, /healthz and /v1/aggregates on all interfaces; 0 (default) picks a free port.</summary>
    public int MetricsPort { get; init; }

    /// <summary>Address the metrics port binds; default 0.0.0.0 (all interfaces) so Prometheus and probes reach it.</summary>
    public string MetricsBindAddress { get; init; } = "0.0.0.0";

    /// <summary>Append-only audit log file (JSON lines, hash-chained). Default: audit.jsonl in the working directory.</summary>
    public string AuditPath { get; init; } = "audit.jsonl";

    /// <summary>The audit collector the log is shipped to; null (default): the log stays in <see cref="AuditPath"/> only.</summary>
    public Uri? AuditCollector { get; init; }

    /// <summary>The token file for the collector. Default <see cref="GatewayPodLayout.AuditTokenFile"/>.</summary>
    public string AuditTokenPath { get; init; } = GatewayPodLayout.AuditTokenFile;

    /// <summary>How long a write action waits for its audit record's acknowledgement before it is refused. Default 5 s.</summary>
    public TimeSpan AuditAcknowledgementTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Namespace of the workflow: where AgentApprovals are created. Default: the bundle's workflow namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Root of mounted tool Secrets: {root}/{secret}/{key}. Default <see cref="GatewayPodLayout.SecretsDirectory"/>.</summary>
    public string SecretsRoot { get; init; } = GatewayPodLayout.SecretsDirectory;

    /// <summary>Root of projected tokens for upstream audiences: {root}/{audience}/token. Default <see cref="GatewayPodLayout.TokensDirectory"/>.</summary>
    public string TokensRoot { get; init; } = GatewayPodLayout.TokensDirectory;

    /// <summary>Largest request body accepted, in bytes; larger bodies get 413. Default 64 KiB.</summary>
    public int MaxRequestBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Largest chat completion request: 16 × <see cref="MaxRequestBodyBytes"/>, as conversations outgrow tool inputs.</summary>
    public int MaxModelRequestBodyBytes => MaxRequestBodyBytes * 16;

    /// <summary>Largest <c>/mcp</c> request: a tool input of <see cref="MaxRequestBodyBytes"/> plus 16 KiB of JSON-RPC around it.</summary>
    public int MaxMcpRequestBodyBytes => MaxRequestBodyBytes + 16 * 1024;

    /// <summary>How long a created AgentApproval stays open. Default 30 minutes.</summary>
    public TimeSpan ApprovalTimeToLive { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>OTLP endpoint for traces; null (default) exports nothing.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Runs open at once at most; a start beyond it is refused with 429. Default <see cref="GatewayServeArguments.DefaultMaxOpenRuns"/>.</summary>
    public int MaxOpenRuns { get; init; } = GatewayServeArguments.DefaultMaxOpenRuns;

    /// <summary>An open run without a call for this long ends as failed. Default <see cref="GatewayServeArguments.DefaultRunIdleTimeout"/>.</summary>
    public TimeSpan RunIdleTimeout { get; init; } = GatewayServeArguments.DefaultRunIdleTimeout;

    /// <summary>Completed runs are forgotten after this long. Default 1 hour.</summary>
    public TimeSpan CompletedRunRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Builds the handler of upstream tool and model calls; called once per gateway, which owns and disposes it.
    /// Null (default): a <see cref="SocketsHttpHandler"/>. Dev mode uses it to send upstream calls to local fakes.
    /// </summary>
    public Func<HttpMessageHandler>? UpstreamHandlerFactory { get; init; }

    /// <summary>How often the bundle file is checked for changes. Default 500 ms.</summary>
    public TimeSpan BundleFilePollInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}
