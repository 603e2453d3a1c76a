using System.Globalization;

namespace AgentOperator.Contracts;

/// <summary>
/// The gateway's <c>serve</c> command line, the one type both sides use: the operator writes the sidecar's
/// <c>args</c> with <see cref="Render"/>, the gateway (and dev mode's pod runner) read them with <see cref="Parse"/>.
/// <code>
/// serve (--bundle-configmap NAMESPACE/NAME[/KEY] | --bundle FILE) [--port N] [--metrics-port M]
///       [--audit FILE] [--audit-collector URL] [--audit-token FILE] [--secrets DIR] [--tokens DIR] [--otlp URL]
///       [--max-open-runs N] [--run-idle-timeout SECONDS]
/// </code>
/// Each flag takes one value, as <c>--flag value</c> or <c>--flag=value</c>, at most once.
/// </summary>
public sealed record GatewayServeArguments
{
    /// <summary>The command word, the first argument.</summary>
    public const string Command = "serve";

    /// <summary>Agent API port when <c>--port</c> is not given.</summary>
    public const int DefaultPort = 8080;

    /// <summary>Metrics port when <c>--metrics-port</c> is not given.</summary>
    public const int DefaultMetricsPort = 9090;

    /// <summary>Open runs at most when <c>--max-open-runs</c> is not given.</summary>
    public const int DefaultMaxOpenRuns = 1000;

    /// <summary>Idle time after which an open run expires when <c>--run-idle-timeout</c> is not given.</summary>
    public static readonly TimeSpan DefaultRunIdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The flags, for the usage text.</summary>
    public const string Synopsis = "serve (--bundle-configmap NAMESPACE/NAME[/KEY] | --bundle FILE) [--port N] [--metrics-port M] [--audit FILE] [--audit-collector URL] [--audit-token FILE] [--secrets DIR] [--tokens DIR] [--otlp URL] [--max-open-runs N] [--run-idle-timeout SECONDS]";

    private const string BundleConfigMapFlag = "--bundle-configmap";
    private const string BundleFlag = "--bundle";
    private const string PortFlag = "--port";
    private const string MetricsPortFlag = "--metrics-port";
    private const string AuditFlag = "--audit";
    private const string AuditCollectorFlag = "--audit-collector";
    private const string AuditTokenFlag = "--audit-token";
    private const string SecretsFlag = "--secrets";
    private const string TokensFlag = "--tokens";
    private const string OtlpFlag = "--otlp";
    private const string MaxOpenRunsFlag = "--max-open-runs";
    private const string RunIdleTimeoutFlag = "--run-idle-timeout";

    private static readonly string[] Flags = [BundleConfigMapFlag, BundleFlag, PortFlag, MetricsPortFlag, AuditFlag, AuditCollectorFlag, AuditTokenFlag, SecretsFlag, TokensFlag, OtlpFlag, MaxOpenRunsFlag, RunIdleTimeoutFlag];

    /// <summary>In a pod: the revision's bundle ConfigMap, watched through the API. Exactly one of this and <see cref="BundleFile"/>.</summary>
    public ConfigMapReference? BundleConfigMap { get; init; }

    /// <summary>Outside Kubernetes: a bundle file, reloaded when it changes.</summary>
    public string? BundleFile { get; init; }

    /// <summary>Port of the agent API on 127.0.0.1.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Port of /metrics, /healthz and /v1/aggregates on all interfaces.</summary>
    public int MetricsPort { get; init; } = DefaultMetricsPort;

    /// <summary>Audit log file; null: the gateway's default.</summary>
    public string? AuditFile { get; init; }

    /// <summary>The audit collector the log is shipped to (writes wait for its acknowledgement); null: the log stays in the pod.</summary>
    public Uri? AuditCollector { get; init; }

    /// <summary>The projected token for <see cref="AuditCollectorApi.Audience"/>; null: <see cref="GatewayPodLayout.AuditTokenFile"/>.</summary>
    public string? AuditTokenFile { get; init; }

    /// <summary>Root of mounted Secrets; null: <see cref="GatewayEnvironment.SecretsDirectory"/>, else <see cref="GatewayPodLayout.SecretsDirectory"/>.</summary>
    public string? SecretsDirectory { get; init; }

    /// <summary>Root of projected audience tokens; null: <see cref="GatewayEnvironment.TokensDirectory"/>, else <see cref="GatewayPodLayout.TokensDirectory"/>.</summary>
    public string? TokensDirectory { get; init; }

    /// <summary>OTLP endpoint for traces; null: <see cref="GatewayEnvironment.OtlpEndpoint"/>, else none.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Runs open at once at most; a start beyond it is refused with 429.</summary>
    public int MaxOpenRuns { get; init; } = DefaultMaxOpenRuns;

    /// <summary>An open run without a call for this long ends as failed (whole seconds on the command line).</summary>
    public TimeSpan RunIdleTimeout { get; init; } = DefaultRunIdleTimeout;

    /// <summary>The container args: <c>serve</c>, the bundle source, both ports, then each optional flag that is set.</summary>
    public IReadOnlyList<string> Render()
    {
        List<string> args = [Command];
        if (BundleConfigMap is not null)
        {
            args.AddRange([BundleConfigMapFlag, BundleConfigMap.ToString()]);
        }

        if (BundleFile is not null)
        {
            args.AddRange([BundleFlag, BundleFile]);
        }

        args.AddRange([PortFlag, Port.ToString(CultureInfo.InvariantCulture), MetricsPortFlag, MetricsPort.ToString(CultureInfo.InvariantCulture)]);
        void Optional(string flag, string? value)
        {
            if (value is not null)
            {
                args.AddRange([flag, value]);
            }
        }

        Optional(AuditFlag, AuditFile);
        Optional(AuditCollectorFlag, AuditCollector?.OriginalString);
        Optional(AuditTokenFlag, AuditTokenFile);
        Optional(SecretsFlag, SecretsDirectory);
        Optional(TokensFlag, TokensDirectory);
        Optional(OtlpFlag, OtlpEndpoint?.OriginalString);
        Optional(MaxOpenRunsFlag, MaxOpenRuns == DefaultMaxOpenRuns ? null : MaxOpenRuns.ToString(CultureInfo.InvariantCulture));
        Optional(RunIdleTimeoutFlag, RunIdleTimeout == DefaultRunIdleTimeout ? null : ((long)RunIdleTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        return args;
    }

    /// <summary>
    /// Parses the full argument list, <c>serve</c> first. Throws <see cref="UsageException"/> naming the argument
    /// for another command, an unknown or repeated flag, a missing or malformed value, and for both or neither bundle source.
    /// </summary>
    public static GatewayServeArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0] != Command)
        {
            throw new UsageException(args.Count == 0 ? "the command 'serve' is missing" : $"the command is '{args[0]}', not 'serve'");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? arg[..equals] : arg;
            if (!Flags.Contains(flag, StringComparer.Ordinal))
            {
                throw new UsageException(arg.StartsWith("--", StringComparison.Ordinal) ? $"unknown argument '{flag}'" : $"unexpected argument '{arg}'");
            }

            string value;
            if (flag.Length < arg.Length)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"{flag} needs a value");
            }

            if (value.Length == 0)
            {
                throw new UsageException($"{flag} needs a value");
            }

            if (!values.TryAdd(flag, value))
            {
                throw new UsageException($"{flag} is given more than once");
            }
        }

        var configMap = values.GetValueOrDefault(BundleConfigMapFlag);
        var file = values.GetValueOrDefault(BundleFlag);
        if (configMap is not null && file is not null)
        {
            throw new UsageException($"{BundleConfigMapFlag} and {BundleFlag} exclude each other: give one bundle source");
        }

        if (configMap is null && file is null)
        {
            throw new UsageException($"a bundle source is required: {BundleConfigMapFlag} NAMESPACE/NAME or {BundleFlag} FILE");
        }

        return new GatewayServeArguments
        {
            BundleConfigMap = configMap is null ? null
                : ConfigMapReference.TryParse(configMap) ?? throw new UsageException($"{BundleConfigMapFlag} takes NAMESPACE/NAME[/KEY], not '{configMap}'"),
            BundleFile = file,
            Port = PortOf(values, PortFlag, DefaultPort),
            MetricsPort = PortOf(values, MetricsPortFlag, DefaultMetricsPort),
            AuditFile = values.GetValueOrDefault(AuditFlag),
            AuditCollector = values.GetValueOrDefault(AuditCollectorFlag) is { } collector
                ? Uri.TryCreate(collector, UriKind.Absolute, out var collectorUri) && collectorUri.Scheme is "http" or "https" ? collectorUri : throw new UsageException($"{AuditCollectorFlag} takes an absolute http(s) URL, not '{collector}'")
                : null,
            AuditTokenFile = values.GetValueOrDefault(AuditTokenFlag),
            SecretsDirectory = values.GetValueOrDefault(SecretsFlag),
            TokensDirectory = values.GetValueOrDefault(TokensFlag),
            OtlpEndpoint = values.GetValueOrDefault(OtlpFlag) is { } otlp
                ? Uri.TryCreate(otlp, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : throw new UsageException($"{OtlpFlag} takes an absolute http(s) URL, not '{otlp}'")
                : null,
            MaxOpenRuns = PositiveOf(values, MaxOpenRunsFlag, DefaultMaxOpenRuns),
            RunIdleTimeout = values.ContainsKey(RunIdleTimeoutFlag) ? TimeSpan.FromSeconds(PositiveOf(values, RunIdleTimeoutFlag, 0)) : DefaultRunIdleTimeout,
        };
    }

    private static int PositiveOf(Dictionary<string, string> values, string flag, int fallback) => values.GetValueOrDefault(flag) is not { } text
        ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new UsageException($"{flag} takes a positive whole number, not '{text}'");

    private static int PortOf(Dictionary<string, string> values, string flag, int fallback) => values.GetValueOrDefault(flag) is not { } text
        ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new UsageException($"{flag} takes a port from 0 to 65535, not '{text}'");
}
