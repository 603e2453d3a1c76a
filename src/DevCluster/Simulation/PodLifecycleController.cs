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
/// Succeeded or Failed. Deleting a pod stops its runner.
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
        var containers = pod.At("spec", "containers") as JsonArray ?? [];
        return new PodContext(
            pod.Str("metadata", "namespace") ?? "",
            pod.Str("metadata", "name") ?? "",
            containers.Select(c => c.Str("image") ?? "").ToList(),
            pod.Str("spec", "restartPolicy") ?? "Always",
            StringMap(pod.At("metadata", "labels")),
            StringMap(pod.At("metadata", "annotations")),
            pod.ToJsonString());
    }

    private static Dictionary<string, string> StringMap(JsonNode? node) =>
        node is JsonObject o ? o.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "") : [];

    private static JsonObject RunningStatus(JsonObject pod, string ip, string now)
    {
        var containers = pod.At("spec", "containers") as JsonArray ?? [];
        return new JsonObject
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
            ["containerStatuses"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Str("name"),
                ["image"] = c.Str("image"),
                ["imageID"] = "docker.io/" + c.Str("image"),
                ["containerID"] = "containerd://" + Guid.NewGuid().ToString("N"),
                ["ready"] = true,
                ["started"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
            }).ToArray()),
        };
    }

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
                cs["ready"] = false;
                cs["started"] = false;
                cs["state"] = new JsonObject
                {
                    ["terminated"] = new JsonObject
                    {
                        ["exitCode"] = outcome.ExitCode,
                        ["reason"] = outcome.Reason,
                        ["message"] = outcome.Message,
                        ["startedAt"] = started,
                        ["finishedAt"] = finished,
                        ["containerID"] = cs.Str("containerID"),
                    },
                };
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
