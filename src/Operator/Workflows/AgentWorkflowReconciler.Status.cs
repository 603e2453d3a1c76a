using System.Globalization;
using System.Text.Json;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Rollouts;
using AgentOperator.Operator.Runtime.Reconciliation;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// UpdateStatus: observedGeneration, phase, conditions, stable revision, credential window and the last revocation,
/// written to the status subresource only when something differs, guarded by the resourceVersion it was computed
/// from. Events describing the new status are recorded once it is written, so a failed write that is retried does not
/// repeat them.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private async Task UpdateStatusAsync(WorkflowContext ctx, CancellationToken ct)
    {
        ReportCredentials(ctx);
        var stableDeployment = ReportAvailability(ctx);
        ReportRunHealth(ctx);
        var status = ctx.Rollout.ApplyTo((ctx.Workflow.Status ?? new AgentWorkflowStatus()) with
        {
            ObservedGeneration = ctx.Generation,
            Phase = ctx.Phase,
            Reason = PhaseReason(ctx),
            Step = StepOf(ctx),
            KillSwitch = ctx.KillSwitch,
            ReadyReplicas = stableDeployment is null ? null
                : string.Create(CultureInfo.InvariantCulture, $"{stableDeployment.Status?.ReadyReplicas ?? 0}/{stableDeployment.Spec?.Replicas ?? 1}"),
            Runs = ctx.Runs,
            Conditions = ctx.Conditions.All,
            History = ctx.History.Count == 0 ? null : ctx.History,
            CredentialsExpireAt = ctx.CredentialsExpireAt,
            LastRevocation = ctx.LastRevocation,
        });
        await WriteStatusAsync(ctx, status, ct);
        metrics.Observe(ctx.Workflow, ctx.Spec.Rollout?.Analysis is null ? 0 : ctx.Rollout.InconclusiveRuns);
    }

    private async Task<ReconcileResult> UpdateSuspendedStatusAsync(WorkflowContext ctx, CancellationToken ct)
    {
        ctx.Phase = WorkflowPhases.Suspended;
        if (ctx.Conditions.Set(ConditionTypes.Progressing, ConditionStatus.False, WorkflowReasons.Suspended,
            "spec.suspend is true: the running revision stays as it is and nothing but status is written", ctx.Generation))
        {
            ctx.AfterStatus(new WorkflowEvent(false, WorkflowReasons.Suspended, "suspended: no rollout progresses until spec.suspend is false"));
        }

        var status = (ctx.Workflow.Status ?? new AgentWorkflowStatus()) with
        {
            ObservedGeneration = ctx.Generation,
            Phase = ctx.Phase,
            Reason = WorkflowReasons.Suspended,
            KillSwitch = ctx.KillSwitch,
            Conditions = ctx.Conditions.All,
        };
        await WriteStatusAsync(ctx, status, ct);
        return ReconcileResult.Success();
    }

    /// <summary>A phase of Ready is not the whole story when the runs fail: then the phase says so.</summary>
    private static void ReportRunHealth(WorkflowContext ctx)
    {
        if (ctx.Phase == WorkflowPhases.Ready && ctx.Conditions.Is(ConditionTypes.RunsHealthy, ConditionStatus.False))
        {
            ctx.Phase = WorkflowPhases.RunsFailing;
        }
    }

    /// <summary>
    /// The reason behind the phase, for <c>kubectl get aw</c>: a missing Secret first, then failing runs, then what
    /// degrades or holds the rollout, then runs waiting for a human approval, else Ready's reason.
    /// </summary>
    private static string? PhaseReason(WorkflowContext ctx)
    {
        var c = ctx.Conditions;
        return (c.Is(ConditionTypes.SecretsAvailable, ConditionStatus.False) ? c.Find(ConditionTypes.SecretsAvailable)
            : c.Is(ConditionTypes.RunsHealthy, ConditionStatus.False) ? c.Find(ConditionTypes.RunsHealthy)
            : c.Is(ConditionTypes.Degraded, ConditionStatus.True) ? c.Find(ConditionTypes.Degraded)
            : ctx.Phase is WorkflowPhases.Progressing or WorkflowPhases.Paused or WorkflowPhases.RolledBack ? c.Find(ConditionTypes.Progressing)
            : c.Find(ConditionTypes.RunsHealthy) is { Reason: RunHealth.RunHealthAssessment.AwaitingApproval } awaiting ? awaiting
            : c.Find(ConditionTypes.Ready))?.Reason;
    }

    /// <summary>"n/m" while a canary runs through m steps; null without a canary or steps.</summary>
    private static string? StepOf(WorkflowContext ctx)
    {
        var steps = ctx.Spec.Rollout?.Steps?.Count ?? 0;
        return ctx.Rollout.Canary is null || steps == 0 ? null
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Min((ctx.Rollout.Step ?? 0) + 1, steps)}/{steps}");
    }

    /// <summary>
    /// Ready, Progressing, Degraded and the phase, from the stable and target revisions' Deployments; returns the stable
    /// revision's Deployment (null when none is known).
    /// </summary>
    private V1Deployment? ReportAvailability(WorkflowContext ctx)
    {
        var stable = ctx.StableRevision;
        var target = ctx.TargetRevision;
        var stableDeployment = stable is null ? null
            : stable == target ? ctx.TargetDeployment
            : ctx.StableDeployment ?? (caches.Deployments.TryGet(new(ctx.Namespace, ctx.RevisionObjectName(stable)), out var cached) ? cached : null);
        var serving = stable is null ? null : DeploymentAvailability.Of(stableDeployment);
        if (serving is { Available: false, Serving: true } && ctx.Canary is not null)
        {
            // The canary's traffic split rescales the stable revision; it keeps serving while the controller catches up.
            serving = serving with { Available = true };
        }

        var rolling = target is not null && target != stable ? DeploymentAvailability.Of(ctx.TargetDeployment) : null;

        if (serving is { Available: true })
        {
            var message = $"revision {stable} serves: {serving.Summary}";
            if (ctx.Conditions.Set(ConditionTypes.Ready, ConditionStatus.True, WorkflowReasons.RevisionAvailable, message, ctx.Generation))
            {
                ctx.AfterStatus(new WorkflowEvent(false, WorkflowReasons.Ready, message));
            }
        }
        else
        {
            var (reason, message) = stable is not null ? (WorkflowReasons.RevisionUnavailable, $"revision {stable}: {serving!.Summary}")
                : target is null ? (WorkflowReasons.PolicyInvalid, "no revision runs: the spec does not compile")
                : (WorkflowReasons.NotReady, $"revision {target} is starting: {rolling?.Summary}");
            if (ctx.Conditions.Set(ConditionTypes.Ready, ConditionStatus.False, reason, message, ctx.Generation) && stable is not null)
            {
                ctx.AfterStatus(new WorkflowEvent(true, WorkflowReasons.RevisionUnavailable, message));
            }
        }

        if (rolling is not null)
        {
            ctx.Conditions.Set(ConditionTypes.Progressing, ConditionStatus.True, WorkflowReasons.RollingOut,
                $"revision {target}: {rolling.Summary}" + (stable is null ? "" : $"; revision {stable} serves until it is available"), ctx.Generation);
        }
        else if (target is null)
        {
            ctx.Conditions.Set(ConditionTypes.Progressing, ConditionStatus.False, WorkflowReasons.PolicyInvalid, "no rollout: the spec does not compile", ctx.Generation);
        }
        else
        {
            ctx.Conditions.Set(ConditionTypes.Progressing, ConditionStatus.False, WorkflowReasons.RolloutComplete, $"revision {target} is the stable revision", ctx.Generation);
        }

        var (degraded, degradedReason, degradedMessage) =
            target is null && stable is not null ? (true, WorkflowReasons.PolicyInvalid, $"the spec of generation {ctx.Generation} does not compile; revision {stable} keeps running")
            : rolling is { DeadlineExceeded: true } ? (true, WorkflowReasons.ProgressDeadlineExceeded, $"revision {target} exceeded its progress deadline: {rolling.Summary}")
            : serving is { Available: false } ? (true, WorkflowReasons.RevisionUnavailable, $"stable revision {stable} lost availability: {serving.Summary}")
            : (false, WorkflowReasons.AsExpected, "");
        ctx.Conditions.Set(ConditionTypes.Degraded, degraded ? ConditionStatus.True : ConditionStatus.False, degradedReason, degradedMessage, ctx.Generation);

        ctx.Phase = target is null ? WorkflowPhases.Invalid
            : degraded ? WorkflowPhases.Degraded
            : rolling is not null ? WorkflowPhases.Progressing
            : serving is { Available: true } ? WorkflowPhases.Ready
            : WorkflowPhases.Pending;

        if (ctx.Canary is { } decision)
        {
            ReportCanary(ctx, decision, serving);
        }

        return stableDeployment;
    }

    /// <summary>Progressing, RolledBack, Degraded and the phase while a revision other than the stable one is the target.</summary>
    private static void ReportCanary(WorkflowContext ctx, CanaryDecision decision, DeploymentAvailability? serving)
    {
        var generation = ctx.Generation;
        var (progressing, reason) = decision.Stage switch
        {
            CanaryStage.Evaluating => (ConditionStatus.True, WorkflowReasons.Evaluating),
            CanaryStage.Stepping => (ConditionStatus.True, WorkflowReasons.CanaryProgressing),
            CanaryStage.Promoting => (ConditionStatus.True, WorkflowReasons.Promoting),
            CanaryStage.Paused => (ConditionStatus.Unknown, WorkflowReasons.CanaryPaused),
            CanaryStage.AwaitingPromotion => (ConditionStatus.Unknown, WorkflowReasons.AwaitingPromotion),
            CanaryStage.RolledBack => (ConditionStatus.False, WorkflowReasons.RolledBack),
            _ => (ConditionStatus.False, WorkflowReasons.RolloutComplete),
        };
        ctx.Conditions.Set(ConditionTypes.Progressing, progressing, reason, decision.Message, generation);

        if (decision.Rollback is { } rollback)
        {
            ctx.Conditions.Set(ConditionTypes.RolledBack, ConditionStatus.True, rollback.Reason, rollback.Message, generation);
        }
        else if (decision.Stage != CanaryStage.RolledBack && ctx.Conditions.Find(ConditionTypes.RolledBack) is not null)
        {
            ctx.Conditions.Set(ConditionTypes.RolledBack, ConditionStatus.False,
                decision.Stage == CanaryStage.Promoted ? WorkflowReasons.RevisionPromoted : WorkflowReasons.CanaryStarted,
                $"revision {ctx.TargetRevision} is not rolled back", generation);
        }

        var stableLost = serving is { Available: false };
        if (decision.InconclusiveLimitExceeded)
        {
            var inconclusive = $"{ctx.Rollout.InconclusiveRuns} inconclusive analysis runs in a row (inconclusiveLimit {ctx.Spec.Rollout?.Analysis?.InconclusiveLimit}): {decision.Message}";
            if (ctx.Conditions.Set(ConditionTypes.Degraded, ConditionStatus.True, WorkflowReasons.AnalysisInconclusive, inconclusive, generation))
            {
                ctx.AfterStatus(new WorkflowEvent(true, WorkflowReasons.AnalysisInconclusive, inconclusive));
            }
        }
        else if (!stableLost)
        {
            ctx.Conditions.Set(ConditionTypes.Degraded, ConditionStatus.False, WorkflowReasons.AsExpected, "", generation);
        }

        if (decision.Stage != CanaryStage.Promoted)
        {
            ctx.Phase = decision.InconclusiveLimitExceeded || stableLost ? WorkflowPhases.Degraded
                : decision.Stage switch
                {
                    CanaryStage.RolledBack => WorkflowPhases.RolledBack,
                    CanaryStage.Paused or CanaryStage.AwaitingPromotion => WorkflowPhases.Paused,
                    _ => WorkflowPhases.Progressing,
                };
        }
    }

    private async Task WriteStatusAsync(WorkflowContext ctx, AgentWorkflowStatus status, CancellationToken ct)
    {
        if (SameJson(ctx.Workflow.Status, status))
        {
            return;
        }

        var body = new AgentWorkflow { Metadata = ctx.Workflow.Metadata, Spec = ctx.Workflow.Spec, Status = status };
        var written = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<AgentWorkflow>(
            body, ApiGroup.Group, ApiGroup.Version, ctx.Namespace, AgentWorkflow.Plural, ctx.Name, cancellationToken: ct);
        _recent.Remember(ctx.Workflow, written);
        ctx.Workflow = written;
        LogStatusWritten(ctx.Key, status.Phase ?? "", status.StableRevision);
        foreach (var action in ctx.AfterStatusActions)
        {
            action();
        }

        foreach (var change in ctx.EventsAfterStatus)
        {
            await events.RecordAsync(written, change, ct);
        }
    }

    private static bool SameJson(AgentWorkflowStatus? current, AgentWorkflowStatus desired) =>
        current is not null && JsonElement.DeepEquals(
            JsonSerializer.SerializeToElement(current, KubernetesJsonOptions),
            JsonSerializer.SerializeToElement(desired, KubernetesJsonOptions));

    private static JsonSerializerOptions KubernetesJsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
