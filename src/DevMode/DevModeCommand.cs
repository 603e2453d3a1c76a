using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using AgentOperator.DevCluster;
using AgentOperator.DevCluster.Node;
using AgentOperator.DevMode.Analysis;
using AgentOperator.DevMode.Install;
using AgentOperator.DevMode.LiveView;
using AgentOperator.DevMode.Upstreams;
using Spectre.Console;
using k8s;

namespace AgentOperator.DevMode;

/// <summary>
/// Dev mode (<c>dotnet run --project src/DevMode</c>): publishes the project's images as the Dockerfile does, starts
/// DevCluster with its node (each pod's containers real processes running that publish output, each pod in its own
/// network namespace), writes a kubeconfig (admin), starts the fakes that stand in for the internet and the tools'
/// services (<see cref="UpstreamStandIns"/>) and a Prometheus scraping the gateways (<see cref="DevModeAnalysis"/>),
/// installs <c>config/default</c> with the real <c>kubectl apply -k</c> (so the operator and the audit collector run as
/// the pods their Deployments describe, with their own RBAC), applies <c>examples/</c> the same way (with placeholder
/// Secrets for the credentials they reference), prints how to use kubectl, then shows live what happens until Ctrl-C,
/// SIGTERM or <c>--exit-after</c>, and stops everything in reverse order.
/// </summary>
internal static class DevModeCommand
{
    private const string ExamplesNamespace = "support";
    private const string OperatorNamespace = "agentoperator-system";
    private static readonly TimeSpan RolloutTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Parses <paramref name="args"/> (dev mode's flags) and runs until Ctrl-C or SIGTERM; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
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
        return await RunAsync(options, Console.Out, stop.Token);
    }

    /// <summary>Runs dev mode until <paramref name="cancellationToken"/> is cancelled or <see cref="DevModeOptions.ExitAfter"/> passes.</summary>
    public static async Task<int> RunAsync(DevModeOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        if (Prerequisites() is { } missing)
        {
            await output.WriteLineAsync($"dev mode: {missing}");
            return 2;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.ExitAfter is { } exitAfter)
        {
            stop.CancelAfter(exitAfter);
        }

        var ct = stop.Token;
        var time = TimeProvider.System;
        var log = new PlainProgressLog(output, time);
        var recent = new RecentLogLines();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        DevEnvironment? environment = null;
        try
        {
            var started = Stopwatch.StartNew();
            environment = await DevEnvironment.StartAsync(new DevEnvironmentOptions
            {
                RepositoryRoot = options.Repository.Root,
                ImageCache = options.ImageCache,
                Cluster = new DevClusterOptions { Port = options.ApiPort, Node = new NodeOptions() },
                Prometheus = options.UsePrometheus ? new LocalPrometheusOptions() : null,
                Time = time,
            }, log, ct);
            var cluster = environment.Cluster;
            cluster.WriteKubeconfig(options.Kubeconfig, ExamplesNamespace);
            await log.WriteAsync($"DevCluster serving at {cluster.BaseAddress}, its node at {environment.NodeAddress}; kubeconfig written to {options.Kubeconfig}");

            var kubectl = new KubectlRunner(options.Kubeconfig);
            await log.WriteAsync($"kubectl apply --server-side -k {Relative(options, options.Repository.InstallDirectory)}");
            await LogLinesAsync(log, await kubectl.RunAsync(ct, "apply", "--server-side", "-k", options.Repository.InstallDirectory));
            foreach (var deployment in new[] { "agent-operator", "agentoperator-audit-collector" })
            {
                await kubectl.RunAsync(ct, "rollout", "status", $"deployment/{deployment}", "-n", OperatorNamespace, $"--timeout={RolloutTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
                await log.WriteAsync($"deployment {OperatorNamespace}/{deployment} rolled out ({started.Elapsed.TotalSeconds:F0} s since start)");
            }

            if (options.ApplyExamples)
            {
                await ApplyExamplesAsync(environment.Admin, kubectl, options, log, ct);
                await environment.StandIns.SyncAsync(ct);
            }

            await PrintUsageAsync(output, options, cluster);
            var observer = new ClusterObserver(environment.Admin, http);
            if (options.NoUi)
            {
                await RunPlainAsync(observer, log, options.RefreshInterval, time, ct);
            }
            else
            {
                log.SendTo(recent);
                await RunLiveAsync(observer, recent, options, cluster, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or k8s.Autorest.HttpOperationException or TimeoutException
            or NotSupportedException or FormatException or KubectlException or InvalidOperationException)
        {
            await output.WriteLineAsync($"dev mode: {exception.Message}");
            return 1;
        }
        finally
        {
            await log.WriteAsync("stopping: Prometheus and the fakes, then the pods (operator, collector, agents) and the cluster");
            if (environment is not null)
            {
                await environment.DisposeAsync();
            }
        }

        await log.WriteAsync("stopped");
        return 0;
    }

    /// <summary>What this machine lacks to run dev mode, or null.</summary>
    private static string? Prerequisites() =>
        NodeOptions.PodNetworksUnavailable() is { } network
            ? $"the DevCluster node cannot run pods here: {network}. Dev mode runs every pod as real processes in their own mount and network namespaces, which needs root (sudo -E dotnet run --project src/DevMode) and iproute2 and iptables (apt-get install -y iproute2 iptables)."
            : !KubectlRunner.IsInstalled
                ? "kubectl is not installed (apt-get install -y kubernetes-client): dev mode installs config/default and examples/ with it, as a user does."
                : null;

    private static async Task ApplyExamplesAsync(IKubernetes admin, KubectlRunner kubectl, DevModeOptions options, PlainProgressLog log, CancellationToken ct)
    {
        var manifests = await ManifestFiles.ReadKustomizationAsync(options.Repository.ExamplesDirectory, ct);
        foreach (var ns in manifests.Where(m => m.Kind == "Namespace"))
        {
            await kubectl.RunAsync(ct, "apply", "-f", ns.Source);
        }

        foreach (var secret in await DevSecrets.CreateMissingAsync(admin, DevSecrets.Referenced(manifests), ct))
        {
            await log.WriteAsync($"secret {secret} created with a dev-only placeholder value (label {DevSecrets.DevOnlyLabel}=true)");
        }

        await log.WriteAsync($"kubectl apply -k {Relative(options, options.Repository.ExamplesDirectory)}");
        await LogLinesAsync(log, await kubectl.RunAsync(ct, "apply", "-k", options.Repository.ExamplesDirectory));
    }

    private static async Task LogLinesAsync(PlainProgressLog log, string lines)
    {
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await log.WriteAsync("  " + line);
        }
    }

    private static string Relative(DevModeOptions options, string path) => Path.GetRelativePath(options.Repository.Root, path);

    private static async Task PrintUsageAsync(TextWriter output, DevModeOptions options, DevClusterServer cluster)
    {
        await output.WriteLineAsync($"""

            Point kubectl at the dev cluster ({cluster.BaseAddress}):
              export KUBECONFIG={options.Kubeconfig}
              kubectl get aw -n {ExamplesNamespace}
              kubectl describe aw support-refund -n {ExamplesNamespace}
              kubectl get deploy,pods -A
              kubectl logs -n {OperatorNamespace} deploy/agent-operator
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
}
