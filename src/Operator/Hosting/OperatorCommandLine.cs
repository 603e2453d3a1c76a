using System.Globalization;

namespace AgentOperator.Operator.Hosting;

/// <summary>Parses the operator's flags (<c>--name value</c> or <c>--name=value</c>; booleans may omit the value).</summary>
internal static class OperatorCommandLine
{
    public const string Usage = """
        Usage: agent-operator [flags]

          --kubeconfig PATH                  kubeconfig to use (default: KUBECONFIG, ~/.kube/config, in-cluster)
          --namespace NAME                   watch only this namespace (default: all)
          --leader-elect[=true|false]        elect a leader on a Lease before reconciling (default: false)
          --leader-election-namespace NAME   namespace of the Lease (default: the pod's namespace)
          --leader-election-id NAME          name of the Lease (default: agent-operator-leader)
          --metrics-port PORT                port of /metrics (default: 8080)
          --health-port PORT                 port of /healthz and /readyz (default: 8081)
          --max-concurrent-reconciles N      keys reconciled in parallel per controller (default: 4)
          --resync-period DURATION           e.g. 10m, 30s, 0 to disable (default: 10m)
          --log-level LEVEL                  trace, debug, info, warn, error; or information, warning, critical (default: info)
          --otlp-endpoint URL                where reconcile traces go (default: OTEL_EXPORTER_OTLP_ENDPOINT)
          --audit-collector URL              the audit collector every gateway ships to (default: none, records stay in the pods)
          --console-url URL                  base of the console links in notifications (default: http://127.0.0.1:3110, kubectl agents console's default)
          -h, --help                         show this help
        """;

    /// <summary>Why <c>dev</c> is refused: dev mode left the operator, so its image carries no embedded cluster, gateway, sample agent or console UI.</summary>
    public const string DevModeMoved = "dev mode is its own program now: run `dotnet run --project src/DevMode` from the repository (same flags, e.g. -- --no-ui)";

    /// <summary>
    /// The level names platform engineers type: controller-runtime/zap's (<c>debug</c>, <c>info</c>, <c>warn</c>,
    /// <c>error</c>, as every kubebuilder manifest passes them) and .NET's (<c>trace</c>, <c>information</c>,
    /// <c>warning</c>, <c>critical</c>), in any case.
    /// </summary>
    private static readonly Dictionary<string, LogLevel> LogLevels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["trace"] = LogLevel.Trace,
        ["debug"] = LogLevel.Debug,
        ["info"] = LogLevel.Information,
        ["information"] = LogLevel.Information,
        ["warn"] = LogLevel.Warning,
        ["warning"] = LogLevel.Warning,
        ["error"] = LogLevel.Error,
        ["critical"] = LogLevel.Critical,
    };

    public static CommandLineResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new OperatorOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                return new(null, true, null);
            }

            if (i == 0 && arg == "dev")
            {
                return Fail(DevModeMoved);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                return Fail($"unexpected argument '{arg}'");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            var inline = equals < 0 ? null : arg[(equals + 1)..];

            if (name == "leader-elect")
            {
                if (inline is not null && !bool.TryParse(inline, out _))
                {
                    return Fail($"--leader-elect takes true or false, not '{inline}'");
                }

                options = options with { LeaderElection = options.LeaderElection with { Enabled = inline is null || bool.Parse(inline) } };
                continue;
            }

            string value;
            if (inline is not null)
            {
                value = inline;
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                return Fail($"--{name} needs a value");
            }

            string? error = null;
            options = name switch
            {
                "kubeconfig" => options with { Kubeconfig = value },
                "namespace" => options with { WatchNamespace = value },
                "leader-election-namespace" => options with { LeaderElection = options.LeaderElection with { LeaseNamespace = value } },
                "leader-election-id" => options with { LeaderElection = options.LeaderElection with { LeaseName = value } },
                "metrics-port" => options with { MetricsPort = Port(name, value, ref error) },
                "health-port" => options with { HealthPort = Port(name, value, ref error) },
                "max-concurrent-reconciles" => options with { MaxConcurrentReconciles = Positive(name, value, ref error) },
                "resync-period" => options with { ResyncPeriod = Duration(name, value, ref error) },
                "log-level" => options with { LogLevel = Level(value, ref error) },
                "otlp-endpoint" => options with { OtlpEndpoint = Url(name, value, ref error) },
                "audit-collector" => options with { AuditCollector = HttpUrl(name, value, ref error) },
                "console-url" => options with { Notifications = options.Notifications with { ConsoleUrl = HttpUrl(name, value, ref error)! } },
                _ => Unknown(options, name, ref error),
            };
            if (error is not null)
            {
                return Fail(error);
            }
        }

        return new(options, false, null);
    }

    private static CommandLineResult Fail(string error) => new(null, false, error);

    private static OperatorOptions Unknown(OperatorOptions options, string name, ref string? error)
    {
        error = $"unknown flag --{name}";
        return options;
    }

    private static int Port(string name, string value, ref string? error)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
        {
            return port;
        }

        error = $"--{name} takes a port between 1 and 65535, not '{value}'";
        return 0;
    }

    private static int Positive(string name, string value, ref string? error)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0)
        {
            return number;
        }

        error = $"--{name} takes a positive integer, not '{value}'";
        return 0;
    }

    private static TimeSpan Duration(string name, string value, ref string? error)
    {
        // Go-style durations as Kubernetes tooling writes them: 0, 90s, 10m, 1h.
        if (value == "0")
        {
            return TimeSpan.Zero;
        }

        if (value.Length >= 2 && int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            switch (value[^1])
            {
                case 's': return TimeSpan.FromSeconds(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 'h': return TimeSpan.FromHours(amount);
            }
        }

        error = $"--{name} takes a duration such as 30s, 10m or 1h, not '{value}'";
        return TimeSpan.Zero;
    }

    private static LogLevel Level(string value, ref string? error)
    {
        if (LogLevels.TryGetValue(value, out var level))
        {
            return level;
        }

        error = $"--log-level takes trace, debug, info, warn, error (or the .NET names information, warning, critical), not '{value}'";
        return LogLevel.Information;
    }

    // Every gateway is rendered with this address, and a gateway accepts only http(s): refuse anything else here, not in each pod.
    private static Uri? HttpUrl(string name, string value, ref string? error)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        error = $"--{name} takes an absolute http(s) URL, not '{value}'";
        return null;
    }

    private static Uri? Url(string name, string value, ref string? error)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return uri;
        }

        error = $"--{name} takes an absolute URL, not '{value}'";
        return null;
    }
}
