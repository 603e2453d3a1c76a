using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using AgentOperator.DevCluster;
using AgentOperator.DevMode.Analysis;
using AgentOperator.DevMode.Install;
using AgentOperator.DevMode.LiveView;
using AgentOperator.DevMode.Pods;
using AgentOperator.Operator.Hosting;
using AgentOperator.SampleAgent;
using Spectre.Console;
using k8s;

namespace AgentOperator.DevMode;

/// <summary>
/// Dev mode (<c>dotnet run --project src/DevMode</c>): starts DevCluster with the in-process pod runner, writes a kubeconfig (admin), installs the
/// CRDs, <c>config/rbac</c> and <c>config/admission</c> (when present), starts the analysis source
/// (<see cref="DevModeAnalysis"/>), starts the operator in-process as <c>config/rbac</c>'s ServiceAccount, applies <c>examples/</c> (with placeholder
/// Secrets for the credentials they reference), prints how to use kubectl, then shows live what happens until
/// Ctrl-C, SIGTERM or <c>--exit-after</c>, and stops everything in reverse order.
/// </summary>
internal static class DevModeCommand
{
    private const string ExamplesNamespace = "support";

    /// <summary>Parses <paramref name="args"/> (dev mode's flags) and runs until Ctrl-C or SIGTERM; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, Action<OperatorRuntimeBuilder> registerControllers)
    {
        var (options, error, help) = DevModeCommandLine.Parse(args, RepositoryLayout.Locate(), Console.IsOutputRedirected);
        if (help || options is null)
        {
            await (help ? Console.Out : Console.Error).WriteLineAsync(error is null ? DevModeCommandLine.Usage : $"dev mode: {error}\n\n{DevModeCommandLine.Usage}");
            return help ? 0 : 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        return await RunAsync(options, registerControllers, Console.Out, stop.Token);
    }

    /// <summary>Runs dev mode until <paramref name="cancellationToken"/> is cancelled or <see cref="DevModeOptions.ExitAfter"/> passes.</summary>
    public static async Task<int> RunAsync(DevModeOptions options, Action<OperatorRuntimeBuilder> registerControllers, TextWriter output, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.ExitAfter is { } exitAfter)
        {
            stop.CancelAfter(exitAfter);
        }

        var ct = stop.Token;
        var time = TimeProvider.System;
        var recent = new RecentLogLines();
        using var loggers = options.NoUi
            ? LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(LogLevel.Warning))
            : LoggerFactory.Create(b => b.AddProvider(recent));
        var log = new PlainProgressLog(output, time);

        await using var model = await FakeModelServer.StartAsync(0, ct);
        await using var tools = await FakeToolServer.StartAsync(0, 0, ct);
        await using var runner = new InProcessPodRunner(
            new InProcessPodRunnerOptions { UpstreamHandlerFactory = () => new FakeUpstreamRedirectHandler(model.BaseUrl, tools.BaseUrl), TimeProvider = time },
            loggers);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        DevClusterServer? cluster = null;
        DevModeAnalysis? analysis = null;
        WebApplication? operatorHost = null;
        Kubernetes? admin = null;
        try
        {
            cluster = await DevClusterServer.StartAsync(new DevClusterOptions { Port = options.ApiPort, PodRunner = runner }, ct);
            runner.Attach(cluster);
            cluster.WriteKubeconfig(options.Kubeconfig, ExamplesNamespace);
            await log.WriteAsync($"DevCluster serving at {cluster.BaseAddress}; kubeconfig written to {options.Kubeconfig}");
            await log.WriteAsync($"fake upstreams: model {model.BaseUrl} · tools {tools.BaseUrl} (every non-loopback upstream of a gateway goes there)");

            // Disposed after the operator has stopped: it also requests the operator's next token.
            admin = new Kubernetes(cluster.CreateClientConfiguration());
            var applier = new ManifestApplier(admin, time);
            var crds = await ManifestFiles.ReadDirectoryAsync(options.Repository.CrdDirectory, ct);
            await applier.ApplyCustomResourceDefinitionsAsync(crds, TimeSpan.FromSeconds(30), ct);
            await log.WriteAsync($"installed {crds.Count} CRDs from {options.Repository.CrdDirectory}: {string.Join(", ", crds.Select(c => c.Name))}");
            var rbac = await OperatorRbac.ReadAsync(options.Repository, ct);
            await rbac.InstallAsync(applier, ct);
            await log.WriteAsync($"installed {options.Repository.RbacDirectory}: {string.Join(", ", rbac.Manifests.Select(m => m.Display))}");
            await InstallAdmissionPoliciesAsync(applier, options.Repository, log, ct);

            // The examples' Prometheus address does not exist here: analysis reads the in-process gateways instead.
            analysis = await DevModeAnalysis.StartAsync(() => runner.Gateways, options.UsePrometheus ? new LocalPrometheusOptions() : null, http, log, time, ct);
            var operatorOptions = new OperatorOptions
            {
                // As on a cluster: the operator's ServiceAccount and ClusterRole from config/rbac, not the admin of the kubeconfig.
                ClientConfiguration = rbac.ClientConfiguration(cluster.CreateClientConfiguration(), admin, time),
                HealthPort = FreePort(),
                MetricsPort = FreePort(),
                LogLevel = options.NoUi ? LogLevel.Information : LogLevel.Warning,
                Analysis = analysis.Options,
            };
            operatorHost = OperatorHost.Build(operatorOptions, runtime =>
            {
                registerControllers(runtime);
                if (!options.NoUi)
                {
                    // The live view owns the console: the operator's warnings go to its panel instead.
                    runtime.Services.AddLogging(b => b.ClearProviders().AddProvider(recent));
                }
            });
            await operatorHost.StartAsync(ct);
            await log.WriteAsync($"operator running in-process as {rbac.UserName}: metrics http://127.0.0.1:{operatorOptions.MetricsPort}/metrics · health http://127.0.0.1:{operatorOptions.HealthPort}/readyz");

            if (options.ApplyExamples)
            {
                await ApplyExamplesAsync(admin, applier, options.Repository, log, ct);
            }

            await PrintUsageAsync(output, options, cluster);
            var observer = new ClusterObserver(admin, runner, http);
            if (options.NoUi)
            {
                await RunPlainAsync(observer, log, options.RefreshInterval, time, ct);
            }
            else
            {
                await RunLiveAsync(observer, recent, options, cluster, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or k8s.Autorest.HttpOperationException or TimeoutException or NotSupportedException or FormatException)
        {
            await output.WriteLineAsync($"dev mode: {exception.Message}");
            return 1;
        }
        finally
        {
            await log.WriteAsync("stopping: operator, then the pods, then the cluster");
            if (operatorHost is not null)
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await operatorHost.StopAsync(grace.Token);
                await operatorHost.DisposeAsync();
            }

            admin?.Dispose();

            if (analysis is not null)
            {
                await analysis.DisposeAsync();
            }

            await runner.StopAllAsync();
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }

        await log.WriteAsync("stopped");
        return 0;
    }

    /// <summary>Applies <c>config/admission</c> (the approval policies) in its kustomization's order, as config/default does.</summary>
    private static async Task InstallAdmissionPoliciesAsync(ManifestApplier applier, RepositoryLayout repository, PlainProgressLog log, CancellationToken ct)
    {
        var policies = await ManifestFiles.ReadKustomizationAsync(repository.AdmissionDirectory, ct);
        foreach (var policy in policies)
        {
            await applier.ApplyAsync(policy, ct);
        }

        await log.WriteAsync($"installed {repository.AdmissionDirectory}: {string.Join(", ", policies.Select(m => m.Display))}");
    }

    private static async Task ApplyExamplesAsync(IKubernetes admin, ManifestApplier applier, RepositoryLayout repository, PlainProgressLog log, CancellationToken ct)
    {
        var manifests = ManifestApplier.InApplyOrder(await ManifestFiles.ReadKustomizationAsync(repository.ExamplesDirectory, ct)).ToList();
        foreach (var ns in manifests.Where(m => m.Kind == "Namespace"))
        {
            await applier.ApplyAsync(ns, ct);
            await log.WriteAsync($"{ns.Display} applied");
        }

        foreach (var secret in await DevSecrets.CreateMissingAsync(admin, DevSecrets.Referenced(manifests), ct))
        {
            await log.WriteAsync($"secret {secret} created with a dev-only placeholder value (label {DevSecrets.DevOnlyLabel}=true)");
        }

        foreach (var manifest in manifests.Where(m => m.Kind != "Namespace"))
        {
            await applier.ApplyAsync(manifest, ct);
            await log.WriteAsync($"{manifest.Display} applied");
        }
    }

    private static async Task PrintUsageAsync(TextWriter output, DevModeOptions options, DevClusterServer cluster)
    {
        await output.WriteLineAsync($"""

            Point kubectl at the dev cluster ({cluster.BaseAddress}):
              export KUBECONFIG={options.Kubeconfig}
              kubectl get aw -n {ExamplesNamespace}
              kubectl describe aw support-refund -n {ExamplesNamespace}
              kubectl get deploy,pods,configmaps,serviceaccounts -n {ExamplesNamespace}
              kubectl get agentapprovals -n {ExamplesNamespace}
              kubectl get events -n {ExamplesNamespace} --sort-by=.lastTimestamp
            Stop with Ctrl-C.

            """);
    }

    private static async Task RunPlainAsync(ClusterObserver observer, PlainProgressLog log, TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await log.ReportAsync(await observer.SnapshotAsync(ct));
            await Task.Delay(interval, time, ct);
        }
    }

    private static async Task RunLiveAsync(ClusterObserver observer, RecentLogLines recent, DevModeOptions options, DevClusterServer cluster, TimeProvider time, CancellationToken ct)
    {
        var header = $"[bold]AgentOperator dev[/] · API {Markup.Escape(cluster.BaseAddress.ToString())} · [grey]export KUBECONFIG={Markup.Escape(options.Kubeconfig)}[/] · Ctrl-C stops";
        await AnsiConsole.Live(new Markup(header)).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Bottom).StartAsync(async context =>
        {
            while (!ct.IsCancellationRequested)
            {
                context.UpdateTarget(LiveDashboard.Render(await observer.SnapshotAsync(ct), header, recent.Lines));
                context.Refresh();
                await Task.Delay(options.RefreshInterval, time, ct);
            }
        });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
