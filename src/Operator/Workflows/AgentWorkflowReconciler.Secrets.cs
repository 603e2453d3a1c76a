using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// ReconcileSecretAvailability: while a live revision's Deployment is not available, its pods' waiting states and the
/// FailedMount Events on them tell whether a Secret the gateway needs is missing; SecretsAvailable names the Secret and
/// the tools or model roles that use it. Reads pods and Events only (never Secrets), and looks again while a revision
/// waits, since a pod that waits produces no Deployment change.
/// </summary>
internal sealed partial class AgentWorkflowReconciler
{
    private static readonly TimeSpan SecretRecheck = TimeSpan.FromSeconds(5);

    private async Task ReconcileSecretAvailabilityAsync(WorkflowContext ctx, CancellationToken ct)
    {
        var waiting = ctx.LiveRevisions()
            .Where(r => !DeploymentAvailability.Of(r == ctx.TargetRevision ? ctx.TargetDeployment : ctx.StableDeployment
                ?? (caches.Deployments.TryGet(new(ctx.Namespace, ctx.RevisionObjectName(r)), out var d) ? d : null)).Available)
            .ToList();
        if (waiting.Count == 0)
        {
            if (ctx.Conditions.Find(ConditionTypes.SecretsAvailable) is { Status: not ConditionStatus.True })
            {
                ctx.Conditions.Set(ConditionTypes.SecretsAvailable, ConditionStatus.True, WorkflowReasons.SecretsMounted, "every Secret the pods reference is there", ctx.Generation);
            }

            return;
        }

        var pods = new List<V1Pod>();
        foreach (var revision in waiting)
        {
            var selector = string.Join(",", ChildLabels.ForRevision(ctx.Name, revision).Select(l => $"{l.Key}={l.Value}"));
            pods.AddRange((await client.CoreV1.ListNamespacedPodAsync(ctx.Namespace, labelSelector: selector, cancellationToken: ct)).Items);
        }

        var failedMounts = pods.Count == 0 ? []
            : (await client.CoreV1.ListNamespacedEventAsync(ctx.Namespace, fieldSelector: "involvedObject.kind=Pod,reason=FailedMount", cancellationToken: ct)).Items;
        var missing = MissingSecret.From(pods, failedMounts);
        ctx.LookAgainIn(SecretRecheck, "a revision's pods are not available yet");
        if (missing.Count == 0)
        {
            if (ctx.Conditions.Find(ConditionTypes.SecretsAvailable) is { Status: not ConditionStatus.True })
            {
                ctx.Conditions.Set(ConditionTypes.SecretsAvailable, ConditionStatus.True, WorkflowReasons.SecretsMounted, "no pod reports a missing Secret", ctx.Generation);
            }

            return;
        }

        var message = string.Join("; ", missing.Select(m => $"Secret \"{m.Secret}\" ({Users(ctx, m.Secret)}) does not exist: pod {m.Pod} reports: {m.Report}"));
        if (ctx.Conditions.Set(ConditionTypes.SecretsAvailable, ConditionStatus.False, WorkflowReasons.SecretMissing, message, ctx.Generation))
        {
            ctx.AfterStatus(new WorkflowEvent(true, WorkflowReasons.SecretMissing, message));
        }
    }

    /// <summary>Which of the workflow's tools and model roles take their credential from <paramref name="secret"/>.</summary>
    private static string Users(WorkflowContext ctx, string secret)
    {
        var bound = ctx.Spec.Tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var users = ctx.Tools.Where(t => t.Spec?.Name is { } name && bound.Contains(name) && t.Spec.Auth?.SecretRef?.Name == secret).Select(t => $"tool {t.Spec.Name}")
            .Concat((ctx.Spec.Models ?? new Dictionary<string, ModelSpec>()).Where(m => m.Value.CredentialsSecretRef?.Name == secret).Select(m => $"model role {m.Key}"))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return users.Count == 0 ? "referenced by the pod" : "needed by " + string.Join(", ", users);
    }
}
