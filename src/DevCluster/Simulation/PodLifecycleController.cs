using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Controllers;
using AgentOperator.DevCluster.Diagnostics;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Simulation;

/// <summary>
/// A simulated scheduler and kubelet: each new pod is bound to the one node, becomes Running and Ready after
/// the configured start delay, then is handed to the <see cref="IPodRunner"/>, whose outcome ends it as
/// Succeeded or Failed. Deleting a pod stops its runner. Statuses are reported as the kubelet does, per
/// container (<c>containerStatuses</c>, <c>initContainerStatuses</c>, <c>state.terminated.message</c>); native
/// sidecars (init containers with restartPolicy Always) run beside the containers and end after them.
/// </summary>
internal sealed class PodLifecycleController(ResourceOperations ops, IPodRunner runner, TimeSpan startDelay, ILogger<PodLifecycleController> logger)
    : EventLoopController(ops.Store, logger)
{
    public const string NodeName = "devcluster-node";
    private static readonly GroupResource Pods = new("", "pods");
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();
    private readonly ILogger _logger = logger;
    private readonly EventRecorder _scheduler = new(ops, "default-scheduler");
    private readonly EventRecorder _kubelet = new(ops, "kubelet");
    private int _nextIp = 1;

    protected override bool Wants(GroupResource resource) => resource == Pods;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        var key = e.Object.Key;
        if (e.Type == WatchEventType.Deleted || e.Object.Deleting)
        {
            if (_running.TryRemove(key, out var cts))
            {
                cts.Cancel();
                cts.Dispose();
            }

            return Task.CompletedTask;
        }

        if (e.Type == WatchEventType.Added)
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (_running.TryAdd(key, cts))
            {
                _ = Task.Run(() => RunPodAsync(e.Object, cts.Token), CancellationToken.None);
            }
        }

        return Task.CompletedTask;
    }

    private async Task RunPodAsync(StoredObject created, CancellationToken ct)
    {
        var type = ops.Registry.ForStorage(Pods)!;
        try
        {
            if (startDelay > TimeSpan.Zero)
            {
                await Task.Delay(startDelay, ops.Time, ct);
            }

            var ip = $"10.244.0.{(Interlocked.Increment(ref _nextIp) % 250) + 2}";
            ops.GuaranteedUpdate(type, created.Namespace, created.Name, null, new WriteOptions("kube-scheduler"), live =>
            {
                live.Obj("spec")["nodeName"] = NodeName;
                return live;
            });
            var bound = ops.Get(type, created.Namespace, created.Name);
            _scheduler.Normal(bound, "Scheduled", $"Successfully assigned {created.Namespace}/{created.Name} to {NodeName}");
            if (runner.ReportsStatus)
            {
                await runner.RunAsync(Context(bound), ct);
                return;
            }

            var started = ops.Now();
            var pod = ops.GuaranteedUpdate(type, created.Namespace, created.Name, "status", new WriteOptions("kubelet"), live =>
            {
                live["status"] = RunningStatus(live, ip, started);
                return live;
            });

            foreach (var image in Context(pod).Images.Distinct())
            {
                _kubelet.Normal(pod, "Pulled", $"Container image \"{image}\" already present on machine");
            }

            _kubelet.Normal(pod, "Started", "Started container");
            var outcome = await runner.RunAsync(Context(pod), ct);
            if (outcome is null || ct.IsCancellationRequested)
            {
                return;
            }

            var finished = ops.Now();
            ops.GuaranteedUpdate(type, created.Namespace, created.Name, "status", new WriteOptions("kubelet"), live =>
            {
                live["status"] = TerminatedStatus(live, outcome, started, finished);
                return live;
            });
        }
        catch (OperationCanceledException)
        {
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
        catch (Exception e)
        {
            Log.PodRunFailed(_logger, e, created.Namespace, created.Name);
        }
    }

    private static PodContext Context(JsonObject pod)
    {
        var containers = InitContainers(pod).Concat(pod.At("spec", "containers") as JsonArray ?? []);
        return new PodContext(
            pod.Str("metadata", "namespace") ?? "",
            pod.Str("metadata", "name") ?? "",
            containers.Select(c => c?.Str("image") ?? "").ToList(),
            pod.Str("spec", "restartPolicy") ?? "Always",
            StringMap(pod.At("metadata", "labels")),
            StringMap(pod.At("metadata", "annotations")),
            pod.ToJsonString());
    }

    private static Dictionary<string, string> StringMap(JsonNode? node) =>
        node is JsonObject o ? o.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "") : [];

    private static IEnumerable<JsonNode?> InitContainers(JsonObject pod) => pod.At("spec", "initContainers") as JsonArray ?? [];

    // A native sidecar (Kubernetes 1.29+) is an init container that keeps running beside the regular containers.
    private static bool IsSidecar(JsonNode? container) => container?.Str("restartPolicy") == "Always";

    private static JsonObject RunningStatus(JsonObject pod, string ip, string now)
    {
        var containers = pod.At("spec", "containers") as JsonArray ?? [];
        var status = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", now),
                Condition("Initialized", now),
                Condition("Ready", now),
                Condition("ContainersReady", now),
                Condition("PodScheduled", now)),
            ["hostIP"] = "10.0.0.1",
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = "10.0.0.1" }),
            ["podIP"] = ip,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip }),
            ["startTime"] = now,
            ["qosClass"] = pod.Str("status", "qosClass") ?? "BestEffort",
            ["containerStatuses"] = new JsonArray(containers.Select(c => RunningContainer(c, now)).ToArray()),
        };

        // Ordinary init containers ran to completion before the pod started; sidecars were started first and keep running.
        var initContainers = InitContainers(pod).ToList();
        if (initContainers.Count > 0)
        {
            status["initContainerStatuses"] = new JsonArray(initContainers.Select(c => IsSidecar(c)
                ? RunningContainer(c, now)
                : WithState(RunningContainer(c, now), ready: false, Terminated(new ContainerOutcome(0, "Completed"), now, now))).ToArray());
        }

        return status;
    }

    private static JsonObject RunningContainer(JsonNode? container, string now) => new JsonObject
    {
        ["name"] = container?.Str("name"),
        ["image"] = container?.Str("image"),
        ["imageID"] = "docker.io/" + container?.Str("image"),
        ["containerID"] = "containerd://" + Guid.NewGuid().ToString("N"),
        ["ready"] = true,
        ["started"] = true,
        ["restartCount"] = 0,
        ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
    };

    private static JsonObject WithState(JsonObject containerStatus, bool ready, JsonObject terminated)
    {
        containerStatus["ready"] = ready;
        containerStatus["started"] = false;
        terminated["containerID"] = containerStatus.Str("containerID");
        containerStatus["state"] = new JsonObject { ["terminated"] = terminated };
        return containerStatus;
    }

    private static JsonObject Terminated(ContainerOutcome outcome, string started, string finished) => new()
    {
        ["exitCode"] = outcome.ExitCode,
        ["reason"] = outcome.Reason,
        ["message"] = outcome.Message,
        ["startedAt"] = started,
        ["finishedAt"] = finished,
    };

    private static JsonObject TerminatedStatus(JsonObject pod, PodOutcome outcome, string started, string finished)
    {
        var status = pod["status"]?.DeepClone() as JsonObject ?? [];
        status["phase"] = outcome.Succeeded ? "Succeeded" : "Failed";
        if (status["conditions"] is JsonArray conditions)
        {
            foreach (var c in conditions.OfType<JsonObject>().Where(c => c.Str("type") is "Ready" or "ContainersReady"))
            {
                c["status"] = "False";
                c["reason"] = "PodCompleted";
                c["lastTransitionTime"] = finished;
            }
        }

        if (status["containerStatuses"] is JsonArray statuses)
        {
            foreach (var cs in statuses.OfType<JsonObject>())
            {
                WithState(cs, ready: false, Terminated(outcome.For(cs.Str("name") ?? ""), started, finished));
            }
        }

        // Sidecars are stopped once the regular containers have ended; they exit cleanly on SIGTERM.
        if (status["initContainerStatuses"] is JsonArray initStatuses)
        {
            foreach (var cs in initStatuses.OfType<JsonObject>().Where(cs => cs.At("state", "running") is not null))
            {
                WithState(cs, ready: false, Terminated(new ContainerOutcome(0, "Completed"), started, finished));
            }
        }

        return status;
    }

    private static JsonObject Condition(string type, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = now,
    };
}
