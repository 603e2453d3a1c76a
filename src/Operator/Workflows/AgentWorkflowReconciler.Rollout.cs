using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Evaluation;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Rollouts;
using AgentOperator.Operator.Traffic;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ReconcileRollout: decides which revision is stable, which is the canary and at what weight, and the replicas of both
/// Deployments. The first revision becomes stable once available; a later one goes through <see cref="CanaryPlanner"/>,
/// fed with what this reconcile observes: the canary's Deployment, its eval Job, whether the last weight is routed, and
/// an analysis run when one is due. ReconcileTraffic then points the Services and the traffic provider at the result.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private const int MaxHistory = 20;

    private async Task ReconcileRolloutAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var target = ctx.TargetRevision!;
        var replicas = ctx.Spec.Runtime.Replicas;
        var stable = ctx.StableRevision;
        ctx.TargetReplicas = replicas;
        ctx.StableReplicas = replicas;

        if (stable is null)
        {
            PromoteFirstRevision(ctx, target);
            return;
        }

        if (stable == target)
        {
            if (ctx.Rollout.Canary is { } abandoned)
            {
                AddHistory(ctx, new RevisionHistoryEntry { Revision = abandoned, Outcome = RevisionOutcome.Aborted, Reason = $"the spec returned to stable revision {target}", Time = ctx.Now });
                ctx.AfterStatus(new WorkflowEvent(false, WorkflowReasons.CanarySuperseded, $"canary revision {abandoned} dropped: the spec returned to stable revision {target}"));
                ctx.Rollout = ctx.Rollout.EndCanary();
            }

            return;
        }

        var spec = ctx.Spec.Rollout;
        var router = traffic.For(ctx.Workflow);
        var availability = CanaryAvailability(ctx, ExpectedCanaryReplicas(ctx.Rollout, spec, target, replicas, router));
        var routed = await RouteAsync(ctx, router, ctx.Rollout.Canary == target ? ctx.Rollout.Weight ?? 0 : 0, ct);
        var evaluation = spec?.Evaluation is not null && ctx.Rollout.Canary == target && ctx.Rollout.FailedRevision != target
            ? await ObserveEvaluationAsync(ctx, spec.Evaluation, ct)
            : null;
        AnalysisRun? run = null;
        if (CanaryPlanner.AnalysisDue(ctx.Rollout, spec, target, availability, ctx.Now))
        {
            var window = TimeSpan.FromSeconds(spec!.Analysis!.WindowSeconds);
            run = await analyzer.AnalyzeAsync(spec.Analysis,
                new RevisionScope(ctx.Namespace, ctx.Name, target, window),
                new RevisionScope(ctx.Namespace, ctx.Name, stable, window),
                ctx.Rollout.Evaluation is { Revision: var evaluated, PassRate: var rate } && evaluated == target ? rate : null,
                ct);
        }

        var decision = CanaryPlanner.Decide(ctx.Rollout, new RolloutInput(
            target, spec, availability, evaluation, run, RolloutAnnotations.From(ctx.Workflow.Metadata.Annotations), routed.InEffect,
            ChildNames.EvaluationJob(ctx.Name, target), ctx.Now));
        ctx.Canary = decision;
        ctx.Rollout = decision.State;
        foreach (var entry in decision.History)
        {
            AddHistory(ctx, entry);
        }

        foreach (var change in decision.Events)
        {
            ctx.AfterStatus(change);
        }

        if (decision.Rollback is { } rollback)
        {
            ctx.AfterStatusActions.Add(() => metrics.RolledBack(ctx.Namespace, ctx.Name));
            LogRolledBack(ctx.Key, target, rollback.Metric, rollback.Value ?? "", rollback.Threshold ?? "");
        }

        if (decision.LookAgainIn is { } delay)
        {
            ctx.LookAgainIn(delay, $"rollout of revision {target}");
        }

        if (!routed.InEffect)
        {
            ctx.LookAgainIn(TimeSpan.FromSeconds(5), routed.Message ?? "traffic not routed");
        }

        (ctx.StableReplicas, ctx.TargetReplicas) = decision.Stage switch
        {
            CanaryStage.Promoted => (replicas, replicas),
            CanaryStage.Promoting => (replicas, replicas),
            CanaryStage.Evaluating or CanaryStage.RolledBack => (replicas, 0),
            _ => Split(router.Replicas(replicas, decision.RouteWeight)),
        };
    }

    private static (int Stable, int Canary) Split(ReplicaSplit split) => (split.Stable, split.Canary);

    /// <summary>The replicas the canary's Deployment was last asked for, from the rollout state before this decision.</summary>
    private static int ExpectedCanaryReplicas(RolloutState state, RolloutSpec? spec, string target, int replicas, ITrafficRoutingProvider router)
    {
        if (state.Canary != target || state.FailedRevision == target)
        {
            return 0;
        }

        if ((state.Step ?? 0) >= (spec?.Steps?.Count ?? 0))
        {
            return replicas;
        }

        return spec?.Evaluation is not null && state.Evaluation is not { Phase: EvaluationPhase.Passed }
            ? 0
            : router.Replicas(replicas, state.Weight ?? 0).Canary;
    }

    /// <summary>The canary's availability; a Deployment the cache still shows at other replicas than asked is not available yet.</summary>
    private DeploymentAvailability CanaryAvailability(WorkflowContext ctx, int expectedReplicas)
    {
        caches.Deployments.TryGet(new(ctx.Namespace, ctx.RevisionObjectName(ctx.TargetRevision!)), out var deployment);
        if (deployment is not null && (deployment.Spec?.Replicas ?? 1) != expectedReplicas)
        {
            return new DeploymentAvailability(false, false, $"scaling from {deployment.Spec?.Replicas ?? 1} to {expectedReplicas} replicas");
        }

        return DeploymentAvailability.Of(deployment);
    }

    private void PromoteFirstRevision(WorkflowContext ctx, string target)
    {
        caches.Deployments.TryGet(new(ctx.Namespace, ctx.RevisionObjectName(target)), out var deployment);
        if (!DeploymentAvailability.Of(deployment).Available)
        {
            return;
        }

        ctx.StableRevision = target;
        AddHistory(ctx, new RevisionHistoryEntry { Revision = target, Outcome = RevisionOutcome.Promoted, Reason = "first revision available", Time = ctx.Now });
        ctx.AfterStatus(new WorkflowEvent(false, WorkflowReasons.RevisionPromoted, $"revision {target} is available and serves"));
    }

    private static void AddHistory(WorkflowContext ctx, RevisionHistoryEntry entry)
    {
        ctx.History.Add(entry);
        if (ctx.History.Count > MaxHistory)
        {
            ctx.History.RemoveRange(0, ctx.History.Count - MaxHistory);
        }
    }

    /// <summary>The eval Job of the canary's current attempt, as the planner sees it: null while it does not exist.</summary>
    private async Task<EvaluationResult?> ObserveEvaluationAsync(WorkflowContext ctx, EvaluationSpec evaluation, CancellationToken ct)
    {
        var name = ChildNames.EvaluationJob(ctx.Name, ctx.TargetRevision!);
        if (!caches.Jobs.TryGet(new(ctx.Namespace, name), out var job) || !IsCurrentAttempt(ctx, job) || job.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }

        if (ctx.Rollout.Evaluation is { Phase: not EvaluationPhase.Running } recorded && recorded.Revision == ctx.TargetRevision)
        {
            return new EvaluationResult(recorded.Phase, recorded.PassRate, recorded.Message ?? "");
        }

        var finished = job.Status?.Conditions?.Any(c => c.Status == "True" && c.Type is "Complete" or "Failed") == true;
        if (!finished)
        {
            return EvaluationResult.Read(job, [], evaluation.MinPassRate);
        }

        // Only a finished Job's pod is read, once: its termination message carries the pass ratio.
        var pods = await client.CoreV1.ListNamespacedPodAsync(ctx.Namespace, labelSelector: $"batch.kubernetes.io/job-name={name}", cancellationToken: ct);
        return EvaluationResult.Read(job, pods.Items, evaluation.MinPassRate);
    }

    /// <summary>The Job belongs to the attempt after the last handled retry (a retry runs a fresh Job).</summary>
    private static bool IsCurrentAttempt(WorkflowContext ctx, V1Job job) =>
        (job.Metadata.Annotations?.TryGetValue(WorkflowAnnotations.EvaluationAttempt, out var attempt) == true ? attempt : "")
        == (ctx.Rollout.HandledRetry ?? "");

    /// <summary>The eval Job: created while the planner wants it, deleted when it belongs to another revision or attempt.</summary>
    private async Task ReconcileEvaluationJobAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var wanted = ctx.Canary is { RunEvaluation: true } ? ChildNames.EvaluationJob(ctx.Name, ctx.TargetRevision!) : null;
        var keep = ctx.Rollout.Evaluation?.Job;
        foreach (var job in caches.Jobs.ListByOwner(ctx.Uid))
        {
            var name = job.Metadata.Name;
            var current = IsCurrentAttempt(ctx, job) && (name == wanted || (name == keep && ctx.Rollout.Evaluation?.Revision == ctx.TargetRevision));
            if (!current && job.Metadata.DeletionTimestamp is null)
            {
                await client.BatchV1.DeleteNamespacedJobAsync(name, ctx.Namespace, new V1DeleteOptions { PropagationPolicy = "Background" }, cancellationToken: ct);
                LogEvaluationJob(ctx.Key, "deleted", name);
            }
        }

        if (wanted is null || caches.Jobs.TryGet(new(ctx.Namespace, wanted), out _))
        {
            return;
        }

        var desired = EvaluationJobBuilder.Build(ctx.Inputs!, provisioning);
        desired.Metadata.Annotations ??= new Dictionary<string, string>(StringComparer.Ordinal);
        desired.Metadata.Annotations[WorkflowAnnotations.EvaluationAttempt] = ctx.Rollout.HandledRetry ?? "";
        await client.BatchV1.CreateNamespacedJobAsync(desired, ctx.Namespace, cancellationToken: ct);
        LogEvaluationJob(ctx.Key, "created", wanted);
    }

    /// <summary>Routes <paramref name="weight"/> through the workflow's traffic provider.</summary>
    private static Task<TrafficRouteResult> RouteAsync(WorkflowContext ctx, ITrafficRoutingProvider router, int weight, CancellationToken ct) =>
        router.RouteAsync(new TrafficRoute(ctx.Workflow, ChildNames.StableService(ctx.Name), ChildNames.CanaryService(ctx.Name), weight), ct);

    /// <summary>The Services (workflow-wide, stable, canary) and, after the decision, the canary's weight on the traffic provider.</summary>
    private async Task ReconcileTrafficAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var target = ctx.TargetRevision!;
        var stable = ctx.StableRevision ?? target;
        var canary = stable == target ? null : target;
        foreach (var service in ServiceBuilder.Build(ctx.Workflow, stable, canary, provisioning))
        {
            await EnsureAsync(ctx, _apis.Services, caches.Services, service, ct);
        }

        if (ctx.Canary is { } decision && ctx.StableRevision is { } serving && serving != target)
        {
            if (decision.RouteWeight != (ctx.Workflow.Status?.CanaryRevision == target ? ctx.Workflow.Status.CanaryWeight ?? 0 : 0))
            {
                await RouteAsync(ctx, traffic.For(ctx.Workflow), decision.RouteWeight, ct);
            }
        }
        else if (ctx.Spec.Rollout?.TrafficRouting.Provider == TrafficProvider.GatewayAPI)
        {
            // No canary: every request goes to the stable Service.
            await RouteAsync(ctx, traffic.For(ctx.Workflow), 0, ct);
        }
    }
}
