using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Controllers;
using AgentOperator.DevCluster.Diagnostics;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Simulation;

/// <summary>
/// Runs each Job as one pod at a time until spec.completions pods succeeded (Complete) or more than
/// spec.backoffLimit failed (Failed, reason BackoffLimitExceeded), or until spec.activeDeadlineSeconds after its
/// start (its pods deleted, Failed, reason DeadlineExceeded), with the conditions kubectl wait reads.
/// </summary>
internal sealed class JobController(ResourceOperations ops, ILogger<JobController> logger) : EventLoopController(ops.Store, logger)
{
    private static readonly GroupResource Jobs = new("batch", "jobs");
    private static readonly GroupResource Pods = new("", "pods");
    private readonly ConcurrentDictionary<string, byte> _deadlines = new(StringComparer.Ordinal);
    private readonly ILogger _logger = logger;

    // The event loop and the deadline timers both reconcile; like the controller's workqueue, one at a time,
    // so a reconcile that read the Job before another finished it cannot overwrite its counts.
    private readonly Lock _reconcile = new();

    protected override bool Wants(GroupResource resource) => resource == Jobs || resource == Pods;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        if (e.Resource == Jobs)
        {
            if (e.Type != WatchEventType.Deleted)
            {
                Reconcile(e.Object.Namespace, e.Object.Name, ct);
            }

            return Task.CompletedTask;
        }

        foreach (var ownerUid in e.Object.OwnerUids)
        {
            foreach (var job in Store.List(Jobs, e.Object.Namespace, null).Items.Where(j => j.Uid == ownerUid))
            {
                Reconcile(job.Namespace, job.Name, ct);
            }
        }

        return Task.CompletedTask;
    }

    private void Reconcile(string ns, string name, CancellationToken ct)
    {
        lock (_reconcile)
        {
            ReconcileOne(ns, name, ct);
        }
    }

    private void ReconcileOne(string ns, string name, CancellationToken ct)
    {
        var jobType = ops.Registry.ForStorage(Jobs)!;
        var podType = ops.Registry.ForStorage(Pods)!;
        if (ops.TryGet(jobType, ns, name) is not { } job || job.At("metadata", "deletionTimestamp") is not null || IsFinished(job) || job.Bool("spec", "suspend") == true)
        {
            return;
        }

        var uid = job.Str("metadata", "uid")!;
        var pods = OwnerReferences.Owned(Store, uid, Pods);
        var succeeded = pods.Count(p => p.Str("status", "phase") == "Succeeded");
        var failed = pods.Count(p => p.Str("status", "phase") == "Failed");
        var active = pods.Count(p => p.Str("status", "phase") is not ("Succeeded" or "Failed") && p.At("metadata", "deletionTimestamp") is null);
        var completions = job.Long("spec", "completions") ?? 1;
        var backoffLimit = job.Long("spec", "backoffLimit") ?? 6;
        var now = ops.Now();
        var done = succeeded >= completions;
        var givenUp = failed > backoffLimit;
        var deadlineExceeded = false;
        if (!done && !givenUp && job.Long("spec", "activeDeadlineSeconds") is { } deadlineSeconds)
        {
            var startTime = job.Str("status", "startTime") is { } started ? DateTimeOffset.Parse(started, CultureInfo.InvariantCulture) : ops.Time.GetUtcNow();
            var remaining = startTime + TimeSpan.FromSeconds(deadlineSeconds) - ops.Time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                // Like the Job controller: the running pods are terminated and count as failed.
                foreach (var pod in pods.Where(p => p.Str("status", "phase") is not ("Succeeded" or "Failed") && p.At("metadata", "deletionTimestamp") is null))
                {
                    ops.Delete(podType, ns, pod.Str("metadata", "name")!, new DeleteOptions());
                }

                failed += active;
                active = 0;
                deadlineExceeded = true;
            }
            else
            {
                ScheduleDeadline(ns, name, remaining, ct);
            }
        }

        if (!done && !givenUp && !deadlineExceeded && active == 0)
        {
            var template = job.At("spec", "template")?.DeepClone() as JsonObject ?? [];
            var meta = template.Metadata();
            meta["generateName"] = name + "-";
            meta["ownerReferences"] = OwnerReferences.ControllerRef(job);
            var labels = meta.Obj("labels");
            labels["batch.kubernetes.io/job-name"] = name;
            labels["job-name"] = name;
            labels["batch.kubernetes.io/controller-uid"] = uid;
            labels["controller-uid"] = uid;
            ops.Create(podType, ns, template, new WriteOptions("kube-controller-manager"));
            active = 1;
        }

        ops.GuaranteedUpdate(jobType, ns, name, "status", new WriteOptions("kube-controller-manager"), live =>
        {
            var status = live["status"] as JsonObject ?? [];
            status["startTime"] ??= now;
            status["active"] = done || givenUp || deadlineExceeded ? 0 : active;
            status["succeeded"] = succeeded;
            status["failed"] = failed;
            status["ready"] = 0;
            status["terminating"] = 0;
            if (done)
            {
                status["completionTime"] = now;
                status["conditions"] = new JsonArray(
                    Condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now),
                    Condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", now));
            }
            else if (deadlineExceeded)
            {
                status["conditions"] = new JsonArray(
                    Condition("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline", now),
                    Condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline", now));
            }
            else if (givenUp)
            {
                status["conditions"] = new JsonArray(
                    Condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now),
                    Condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now));
            }

            live["status"] = status;
            return live;
        });
    }

    // One timer per Job: nothing else happens at the deadline that would make the controller look again.
    private void ScheduleDeadline(string ns, string name, TimeSpan remaining, CancellationToken ct)
    {
        var key = $"{ns}/{name}";
        if (!_deadlines.TryAdd(key, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(remaining, ops.Time, ct);
                _deadlines.TryRemove(key, out _);
                Reconcile(ns, name, ct);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception exception)
            {
                Log.ControllerFailed(_logger, exception, nameof(JobController), "Deadline", Jobs.ToString(), ns, name);
            }
        }, CancellationToken.None);
    }

    private static bool IsFinished(JsonObject job) =>
        job.Condition("Complete")?.Str("status") == "True" || job.Condition("Failed")?.Str("status") == "True";

    private static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastProbeTime"] = now,
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };
}
