using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;

namespace AgentOperator.Operator.Hosting;

/// <summary>
/// The operator process: the generic host with the controller runtime, <c>/healthz</c> and <c>/readyz</c> on the
/// health port, <c>/metrics</c> on the metrics port. SIGTERM stops it gracefully: workers drain, the lease is
/// released, informers stop.
/// </summary>
internal static class OperatorHost
{
    /// <summary>Parses <paramref name="args"/>, runs until SIGTERM/Ctrl+C, and returns the exit code (2 for bad flags).</summary>
    public static async Task<int> RunAsync(string[] args, Action<OperatorRuntimeBuilder>? configure = null)
    {
        var parsed = OperatorCommandLine.Parse(args);
        if (parsed.HelpRequested)
        {
            await Console.Out.WriteLineAsync(OperatorCommandLine.Usage);
            return 0;
        }

        if (parsed.Options is null)
        {
            await Console.Error.WriteLineAsync($"agent-operator: {parsed.Error}\n\n{OperatorCommandLine.Usage}");
            return 2;
        }

        await using var app = Build(parsed.Options, configure);
        await app.RunAsync();
        return 0;
    }

    /// <summary>Builds the host without starting it; <paramref name="configure"/> registers the controllers.</summary>
    public static WebApplication Build(OperatorOptions options, Action<OperatorRuntimeBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // probes and scrapes would flood the log
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenAnyIP(options.HealthPort);
            if (options.MetricsPort != options.HealthPort)
            {
                kestrel.ListenAnyIP(options.MetricsPort);
            }
        });

        // Room for the workers to drain and the lease to be released before the host gives up.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.LeaderElection.DrainTimeout + TimeSpan.FromSeconds(10));
        var runtime = builder.Services.AddOperatorRuntime(options);
        configure?.Invoke(runtime);

        var app = builder.Build();
        var health = $"*:{options.HealthPort}";
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(OperatorServiceCollectionExtensions.LiveTag) }).RequireHost(health);
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(OperatorServiceCollectionExtensions.ReadyTag) }).RequireHost(health);
        app.MapMetrics("/metrics", app.Services.GetRequiredService<CollectorRegistry>()).RequireHost($"*:{options.MetricsPort}");
        return app;
    }
}
