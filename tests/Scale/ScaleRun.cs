using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.DevCluster;
using AgentOperator.DevMode.Install;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.LeaderElection;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Workflows;
using AgentOperator.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using k8s;
using k8s.Models;

namespace AgentOperator.Scale;

/// <summary>
/// One scale run: DevCluster and the operator in this process, <c>count</c> workflows over <c>namespaces</c> namespaces
/// applied as fast as 32 concurrent clients can, then a full resync in steady state.
/// </summary>
internal sealed class ScaleRun(int count, int namespaces, int workers)
{
    public async Task RunAsync(CancellationToken ct)
    {
        // The numbers depend on what else runs on the machine: print the load next to them.
        var loadAtStart = LoadAverage();
        await using var server = await DevClusterServer.StartAsync(new DevClusterOptions
        {
            WatchHistorySize = Math.Max(100_000, count * 40),
            PodStartDelay = TimeSpan.FromMilliseconds(100),
        }, ct);
        using var admin = new Kubernetes(server.CreateClientConfiguration());
        foreach (var file in CrdManifests.Render().Where(f => f.RelativePath.StartsWith(CrdManifests.KustomizeBasesDirectory, StringComparison.Ordinal)))
        {
            await admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(file.Content), cancellationToken: ct);
        }

        // The operator runs as config/rbac's ServiceAccount, as installed; the harness's own setup and observer keep admin.
        var repository = RepositoryLayout.Locate() ?? throw new InvalidOperationException("run from the repository: config/rbac is read from it");
        var rbac = await OperatorRbac.ReadAsync(repository, ct);
        await rbac.InstallAsync(new ManifestApplier(admin, TimeProvider.System), ct);
        var operatorConfiguration = rbac.ClientConfiguration(server.CreateClientConfiguration(), admin, TimeProvider.System);

        var names = Enumerable.Range(0, namespaces).Select(i => $"scale-{i.ToString(CultureInfo.InvariantCulture)}").ToList();
        foreach (var ns in names)
        {
            await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: ct);
            await admin.CustomObjects.CreateNamespacedCustomObjectAsync(Tool(ns), ApiGroup.Group, ApiGroup.Version, ns, AgentTool.Plural, cancellationToken: ct);
        }

        // Observe Ready through a watch of our own, so apply->Ready is timed to the event, not to a polling period.
        var applied = new ConcurrentDictionary<string, long>();
        var ready = new ConcurrentDictionary<string, long>();
        await using var observer = new SharedInformerFactory(admin, new InformerOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        var watched = observer.GetOrCreate<AgentWorkflow>();
        using var subscription = watched.AddHandler(change =>
        {
            var w = change.Object;
            if (w.Status?.Phase == "Ready" && w.Status.ObservedGeneration == w.Metadata.Generation)
            {
                ready.TryAdd($"{w.Metadata.NamespaceProperty}/{w.Metadata.Name}", Stopwatch.GetTimestamp());
            }
        });
        observer.Start();
        await observer.WaitForSyncAsync(ct);

        var heapBefore = HeapAfterFullCollection();
        var requests = new ApiRequestLog();
        var client = new Kubernetes(operatorConfiguration, requests);
        var informers = new SharedInformerFactory(client, new InformerOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        var metrics = new ControllerMetrics(Prometheus.Metrics.NewCustomRegistry());
        ReconcileCounter? reconciles = null;
        var controller = AgentWorkflowController.Create(informers, client, new ProvisioningOptions(), new ControllerOptions { MaxConcurrentReconciles = workers },
            metrics, TimeProvider.System, NullLoggerFactory.Instance, inner => reconciles = new ReconcileCounter(inner));
        var leader = new LeaderElectionService([controller], informers, client, new LeaderElectionOptions(), metrics, NullLogger<LeaderElectionService>.Instance);
        informers.Start();
        await leader.StartAsync(ct);
        await informers.WaitForSyncAsync(ct);

        Console.WriteLine($"applying {count} AgentWorkflows over {namespaces} namespaces ({workers} reconcile workers)...");
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct }, async (i, token) =>
        {
            var ns = names[i % namespaces];
            var name = $"agent-{i.ToString(CultureInfo.InvariantCulture)}";
            await admin.CustomObjects.CreateNamespacedCustomObjectAsync(Workflow(ns, name), ApiGroup.Group, ApiGroup.Version, ns, AgentWorkflow.Plural, cancellationToken: token);
            applied[$"{ns}/{name}"] = Stopwatch.GetTimestamp();
        });
        var appliedAll = Stopwatch.GetElapsedTime(started);
        Console.WriteLine($"applied all in {appliedAll.TotalSeconds:F1} s; waiting for Ready...");

        var deadline = Stopwatch.StartNew();
        while (ready.Count < count)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(30))
            {
                throw new TimeoutException($"only {ready.Count}/{count} Ready after 30 min ({reconciles!.Failed} failed reconciles)");
            }

            await Task.Delay(500, ct);
            Console.Write($"\r  {ready.Count}/{count} Ready after {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s, {reconciles!.Finished} reconciles, {reconciles.Failed} failed   ");
        }

        var allReady = TimeSpan.FromTicks((long)((ready.Values.Max() - started) * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency));
        var latencies = applied.Select(p => Stopwatch.GetElapsedTime(p.Value, ready[p.Key]).TotalMilliseconds).Order().ToList();
        var reconcilesToReady = reconciles!.Finished;
        var requestsToReady = (requests.Reads, Writes: requests.Writes.Count);
        Console.WriteLine();

        // Steady state: let the last status events settle, then make every workflow reconcile once more (a resync).
        await WaitIdleAsync(reconciles, TimeSpan.FromSeconds(3), ct);
        requests.Clear();
        reconciles.Reset();
        controller.EnqueueAll();
        await WaitIdleAsync(reconciles, TimeSpan.FromSeconds(3), ct);
        var steadyReconciles = reconciles.Finished;
        var steady = (requests.Reads, Writes: requests.Writes.Count);

        await leader.StopAsync(ct);
        await informers.StopAsync();
        controller.Dispose();
        leader.Dispose();
        client.Dispose();

        // Memory: a second, fresh operator against the populated cluster (a restart); its heap growth once it has
        // synced and reconciled everything is what the operator holds for these workflows (caches, queue, state).
        var heapBeforeRestart = HeapAfterFullCollection();
        var restartRequests = new ApiRequestLog();
        using var restartClient = new Kubernetes(operatorConfiguration, restartRequests);
        await using var restartInformers = new SharedInformerFactory(restartClient, new InformerOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        ReconcileCounter? restartReconciles = null;
        using var restartController = AgentWorkflowController.Create(restartInformers, restartClient, new ProvisioningOptions(), new ControllerOptions { MaxConcurrentReconciles = workers },
            new ControllerMetrics(Prometheus.Metrics.NewCustomRegistry()), TimeProvider.System, NullLoggerFactory.Instance, inner => restartReconciles = new ReconcileCounter(inner));
        using var restartLeader = new LeaderElectionService([restartController], restartInformers, restartClient, new LeaderElectionOptions(), metrics, NullLogger<LeaderElectionService>.Instance);
        restartInformers.Start();
        await restartLeader.StartAsync(ct);
        await restartInformers.WaitForSyncAsync(ct);
        var listRequests = restartRequests.Reads;
        await WaitIdleAsync(restartReconciles!, TimeSpan.FromSeconds(3), ct);
        var heapWithOperator = HeapAfterFullCollection();
        var operatorBytes = heapWithOperator - heapBeforeRestart;
        var restart = (restartReconciles!.Finished, restartRequests.Reads - listRequests, restartRequests.Writes.Count);
        await restartLeader.StopAsync(ct);

        Console.WriteLine($"machine:                          {Environment.ProcessorCount} cores; load average (1/5/15 min) {loadAtStart} at start, {LoadAverage()} at the end");
        Console.WriteLine($"workflows:                        {count} in {namespaces} namespaces");
        Console.WriteLine($"time to all Ready:                {allReady.TotalSeconds:F1} s (applying took {appliedAll.TotalSeconds:F1} s)");
        Console.WriteLine($"apply -> Ready p50 / p99 / max:   {Percentile(latencies, 0.50):F0} ms / {Percentile(latencies, 0.99):F0} ms / {latencies[^1]:F0} ms");
        Console.WriteLine($"to Ready:                         {reconcilesToReady} reconciles, {requestsToReady.Reads} reads, {requestsToReady.Writes} writes ({(double)requestsToReady.Writes / count:F1} writes per workflow)");
        Console.WriteLine($"steady state (full resync):       {steadyReconciles} reconciles, {steady.Reads} reads, {steady.Writes} writes = {(double)(steady.Reads + steady.Writes) / Math.Max(1, steadyReconciles):F2} API requests per reconcile");
        Console.WriteLine($"operator restart:                 {restart.Item1} reconciles, {restart.Item2} reads besides its lists/watches, {restart.Item3} writes");
        Console.WriteLine($"operator managed heap (restarted): {operatorBytes / 1048576.0:F1} MiB = {operatorBytes / 1024.0 / count:F1} KiB per workflow (process heap {heapWithOperator / 1048576.0:F0} MiB incl. DevCluster; {heapBefore / 1048576.0:F0} MiB before any workflow)");
        if (steady.Writes != 0 || restart.Item3 != 0)
        {
            throw new InvalidOperationException($"steady state wrote {steady.Writes} times and the restarted operator {restart.Item3} times; both must write nothing");
        }
    }

    private static async Task WaitIdleAsync(ReconcileCounter reconciles, TimeSpan quiet, CancellationToken ct)
    {
        var last = reconciles.Finished;
        var since = Stopwatch.StartNew();
        while (since.Elapsed < quiet)
        {
            await Task.Delay(200, ct);
            if (reconciles.Finished != last)
            {
                last = reconciles.Finished;
                since.Restart();
            }
        }
    }

    private static long HeapAfterFullCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static AgentTool Tool(string ns) => new()
    {
        Metadata = new V1ObjectMeta { Name = "crm-lookup-order", NamespaceProperty = ns },
        Spec = new AgentToolSpec
        {
            Name = "crm.lookup_order",
            Owner = "support-platform",
            Description = "Looks up an order",
            RiskTier = 0,
            Actions = [ToolAction.Read],
            InputSchema = new JsonObject { ["type"] = "object" },
            Upstream = new ToolUpstream { Url = "http://crm.support-backend.svc.cluster.local:8080/orders" },
        },
    };

    private static AgentWorkflow Workflow(string ns, string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new AgentWorkflowSpec
        {
            Runtime = new AgentRuntime { Image = "ghcr.io/example/support-agent:1.0.0", Replicas = 1 },
            Models = new Dictionary<string, ModelSpec> { ["planner"] = new() { Provider = "openai", Model = "gpt-4o-2024-08-06", MaxTokensPerCall = 4000 } },
            Tools = [new ToolBinding { Name = "crm.lookup_order", Actions = [ToolAction.Read] }],
            Budgets = new Budgets { MaxSteps = 20 },
            Policy = new PolicySpec { Rules = [new PolicyRule { Id = "order-id", Condition = "has(input.order_id)", OnFail = RuleAction.Deny }] },
        },
    };
}
