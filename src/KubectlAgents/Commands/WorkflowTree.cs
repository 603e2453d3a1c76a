using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Kube;
using AgentOperator.KubectlAgents.Output;
using k8s.Models;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>
/// What <c>get WORKFLOW</c> shows, like <c>kubectl argo rollouts get rollout</c>: the summary, the rollout steps with
/// the current one marked, the canary's last analysis run (each metric's value, threshold and verdict), its evaluation
/// Job, the revision history, and a tree of revisions → Deployment → pods with readiness. Everything is read from the
/// workflow's spec and status and from the objects the operator made; nothing is computed that they do not say.
/// </summary>
public sealed class WorkflowTree(AgentWorkflow workflow, IReadOnlyList<WorkflowObjects.RevisionWorkload> workloads, V1Job? evaluationJob, DateTimeOffset now)
{
    private AgentWorkflowStatus Status => workflow.Status ?? new AgentWorkflowStatus();

    /// <summary>The step state of step <paramref name="index"/> (0-based): done, current (with paused), or pending; null without a canary.</summary>
    private string StepState(int index)
    {
        if (Status.CanaryRevision is null)
        {
            return "-";
        }

        var current = Status.CurrentStep ?? 0;
        return index < current ? "done" : index == current ? (Status.Paused == true ? "current (paused)" : "current") : "pending";
    }

    public void WriteText(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var summary = WorkflowSummary.Of(workflow);
        var steps = workflow.Spec?.Rollout?.Steps ?? [];
        output.WriteLine($"Name:          {workflow.Metadata.Name}");
        output.WriteLine($"Namespace:     {workflow.Metadata.NamespaceProperty}");
        output.WriteLine($"Phase:         {summary.Phase}" + (summary.Reason != "-" ? $" ({summary.Reason})" : ""));
        if (summary.Message.Length > 0)
        {
            output.WriteLine($"Message:       {summary.Message}");
        }

        output.WriteLine($"Autonomy:      {summary.Autonomy}");
        output.WriteLine($"Kill switch:   {summary.KillSwitch}");
        output.WriteLine($"Stable:        {summary.Stable}");
        output.WriteLine($"Canary:        {summary.Canary}" + (Status.CanaryRevision is null ? "" : $" (weight {Status.CanaryWeight ?? 0}%, step {summary.Step})"));

        output.WriteLine();
        output.WriteLine("Steps:");
        if (steps.Count == 0)
        {
            output.WriteLine("  (none: a new revision replaces the stable one once ready)");
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var marker = Status.CanaryRevision is not null && i == (Status.CurrentStep ?? 0) ? "=>" : "  ";
            var pause = steps[i].PauseSeconds is { } seconds ? $", pause {seconds}s" : "";
            output.WriteLine($"  {marker} {i + 1}. weight {steps[i].Weight}%{pause}   {StepState(i)}");
        }

        output.WriteLine();
        if (Status.LastAnalysis is { } analysis)
        {
            output.WriteLine($"Analysis: revision {analysis.Revision ?? "-"}, {Verdict(analysis.Verdict)}, {Ages.Since(analysis.Time, now)} ago");
            var table = new Table("  METRIC", "VALUE", "THRESHOLD", "VERDICT", "MESSAGE");
            foreach (var metric in analysis.Metrics ?? [])
            {
                table.Add("  " + metric.Name, Text(metric.Value), Text(metric.Threshold), Verdict(metric.Verdict), Text(metric.Message));
            }

            table.WriteTo(output);
        }
        else
        {
            output.WriteLine("Analysis: none yet");
        }

        output.WriteLine();
        if (Status.Evaluation is { } evaluation)
        {
            var rate = evaluation.PassRate is { } r ? $", pass rate {r.ToString("0.###", CultureInfo.InvariantCulture)}" : "";
            output.WriteLine($"Evaluation: Job {evaluation.Job} of revision {evaluation.Revision}: {evaluation.Phase}{rate}" + (evaluation.Message is { Length: > 0 } m ? $" ({m})" : ""));
        }
        else
        {
            output.WriteLine("Evaluation: none");
        }

        if (Status.History is { Count: > 0 } history)
        {
            output.WriteLine();
            output.WriteLine("History:");
            foreach (var entry in history.Reverse().Take(5))
            {
                output.WriteLine($"  {entry.Revision}   {entry.Outcome}   {Ages.Since(entry.Time, now)} ago   {entry.Reason ?? ""}".TrimEnd());
            }
        }

        output.WriteLine();
        var tree = new Table("NAME", "KIND", "STATUS", "READY", "AGE", "INFO");
        tree.Add(workflow.Metadata.Name, "AgentWorkflow", summary.Phase, "", Ages.Since(Created(workflow.Metadata), now), "");
        var revisions = Revisions().ToList();
        for (var r = 0; r < revisions.Count; r++)
        {
            var (revision, role, workload) = revisions[r];
            var lastRevision = r == revisions.Count - 1;
            var jobHere = evaluationJob is not null && Status.Evaluation?.Revision == revision;
            tree.Add($"{(lastRevision ? "└──" : "├──")} revision:{revision}", "Revision", role, "", "", "");
            var indent = lastRevision ? "    " : "│   ";
            if (workload is not null)
            {
                var deployment = workload.Deployment;
                tree.Add($"{indent}{(jobHere ? "├──" : "└──")} {deployment.Metadata.Name}", "Deployment", DeploymentState(deployment),
                    $"{deployment.Status?.ReadyReplicas ?? 0}/{deployment.Spec?.Replicas ?? 1}", Ages.Since(Created(deployment.Metadata), now), "");
                var podIndent = indent + (jobHere ? "│   " : "    ");
                for (var p = 0; p < workload.Pods.Count; p++)
                {
                    var pod = workload.Pods[p];
                    tree.Add($"{podIndent}{(p == workload.Pods.Count - 1 ? "└──" : "├──")} {pod.Metadata.Name}", "Pod", PodState(pod), PodReady(pod),
                        Ages.Since(Created(pod.Metadata), now), Restarts(pod));
                }
            }

            if (jobHere)
            {
                tree.Add($"{indent}└── {evaluationJob!.Metadata.Name}", "Job", Status.Evaluation!.Phase.ToString(),
                    $"{evaluationJob.Status?.Succeeded ?? 0}/{evaluationJob.Spec?.Completions ?? 1}", Ages.Since(Created(evaluationJob.Metadata), now), "");
            }
        }

        tree.WriteTo(output);
    }

    public JsonObject ToJson()
    {
        var steps = workflow.Spec?.Rollout?.Steps ?? [];
        return new JsonObject
        {
            ["apiVersion"] = "agentoperator.io/kubectl-agents/v1",
            ["kind"] = "WorkflowTree",
            ["name"] = workflow.Metadata.Name,
            ["namespace"] = workflow.Metadata.NamespaceProperty,
            ["phase"] = Status.Phase ?? "Pending",
            ["stableRevision"] = Status.StableRevision,
            ["canaryRevision"] = Status.CanaryRevision,
            ["canaryWeight"] = Status.CanaryRevision is null ? null : Status.CanaryWeight ?? 0,
            ["killSwitch"] = WorkflowSummary.KillSwitchOf(workflow),
            ["steps"] = new JsonArray([.. steps.Select((s, i) => (JsonNode)new JsonObject
            {
                ["index"] = i + 1,
                ["weight"] = s.Weight,
                ["pauseSeconds"] = s.PauseSeconds,
                ["state"] = StepState(i),
            })]),
            ["analysis"] = Status.LastAnalysis is { } analysis
                ? new JsonObject
                {
                    ["revision"] = analysis.Revision,
                    ["time"] = analysis.Time?.ToString("O", CultureInfo.InvariantCulture),
                    ["verdict"] = Verdict(analysis.Verdict),
                    ["metrics"] = new JsonArray([.. (analysis.Metrics ?? []).Select(m => (JsonNode)new JsonObject
                    {
                        ["name"] = m.Name, ["value"] = m.Value, ["threshold"] = m.Threshold, ["verdict"] = Verdict(m.Verdict), ["message"] = m.Message,
                    })]),
                }
                : null,
            ["evaluation"] = Status.Evaluation is { } e
                ? new JsonObject { ["job"] = e.Job, ["revision"] = e.Revision, ["phase"] = e.Phase.ToString(), ["passRate"] = e.PassRate, ["message"] = e.Message }
                : null,
            ["revisions"] = new JsonArray([.. Revisions().Select(r => (JsonNode)new JsonObject
            {
                ["revision"] = r.Revision,
                ["role"] = r.Role,
                ["deployment"] = r.Workload is { } w
                    ? new JsonObject
                    {
                        ["name"] = w.Deployment.Metadata.Name,
                        ["replicas"] = w.Deployment.Spec?.Replicas ?? 1,
                        ["readyReplicas"] = w.Deployment.Status?.ReadyReplicas ?? 0,
                        ["pods"] = new JsonArray([.. w.Pods.Select(p => (JsonNode)new JsonObject
                        {
                            ["name"] = p.Metadata.Name, ["phase"] = PodState(p), ["ready"] = PodReady(p),
                            ["restarts"] = p.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0,
                        })]),
                    }
                    : null,
            })]),
        };
    }

    // Stable first, then the canary, then any other revision the operator still runs (one being scaled down).
    private IEnumerable<(string Revision, string Role, WorkflowObjects.RevisionWorkload? Workload)> Revisions()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (revision, role) in new[] { (Status.StableRevision, "stable"), (Status.CanaryRevision, "canary") })
        {
            if (revision is not null && seen.Add(revision))
            {
                yield return (revision, role, workloads.FirstOrDefault(w => w.Revision == revision));
            }
        }

        foreach (var workload in workloads.Where(w => seen.Add(w.Revision)))
        {
            yield return (workload.Revision, "other", workload);
        }
    }

    private static string Verdict(Verdict? verdict) => verdict?.ToString() ?? "-";

    private static string Text(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    private static DateTimeOffset? Created(V1ObjectMeta metadata) =>
        metadata.CreationTimestamp is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : null;

    private static string DeploymentState(V1Deployment deployment) =>
        (deployment.Status?.ReadyReplicas ?? 0) >= (deployment.Spec?.Replicas ?? 1) && (deployment.Spec?.Replicas ?? 1) > 0 ? "Available"
            : deployment.Spec?.Replicas == 0 ? "ScaledDown"
            : "Progressing";

    // As kubectl's STATUS column: a waiting container's reason (CreateContainerConfigError, ...) before the phase.
    private static string PodState(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is not null ? "Terminating"
            : pod.Status?.ContainerStatuses?.Select(c => c.State?.Waiting?.Reason ?? c.State?.Terminated?.Reason).FirstOrDefault(r => r is not null)
              ?? pod.Status?.Phase ?? "Pending";

    private static string PodReady(V1Pod pod) =>
        $"{pod.Status?.ContainerStatuses?.Count(c => c.Ready) ?? 0}/{pod.Spec?.Containers?.Count ?? 0}";

    private static string Restarts(V1Pod pod) =>
        pod.Status?.ContainerStatuses?.Sum(c => c.RestartCount) is > 0 and var n ? $"restarts:{n}" : "";
}
