using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.KubectlAgents.Commands;

/// <summary>What <c>status</c> shows of one workflow, read from its spec, annotations and status only.</summary>
public sealed record WorkflowSummary(
    string Namespace,
    string Name,
    string Autonomy,
    string Phase,
    string Stable,
    string Canary,
    string Weight,
    string Step,
    string KillSwitch,
    string Reason,
    string Message,
    string LastAnalysis,
    string CredentialsExpire,
    DateTimeOffset? Created)
{
    public static WorkflowSummary Of(AgentWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var status = workflow.Status;
        var canary = status?.CanaryRevision;
        var steps = workflow.Spec?.Rollout?.Steps?.Count ?? 0;
        var (reason, message) = Explanation(workflow);
        return new WorkflowSummary(
            workflow.Metadata.NamespaceProperty,
            workflow.Metadata.Name,
            (workflow.Spec?.Autonomy ?? Crds.V1Alpha1.Autonomy.Observe).ToString().ToLowerInvariant(),
            (status?.Phase ?? "Pending") + (status?.Paused == true && status.Phase != "Paused" ? " (paused)" : ""),
            status?.StableRevision ?? "-",
            canary ?? "-",
            canary is null ? "-" : $"{status?.CanaryWeight ?? 0}",
            canary is null || steps == 0 ? "-" : $"{Math.Min((status?.CurrentStep ?? 0) + 1, steps)}/{steps}",
            KillSwitchOf(workflow),
            reason,
            message,
            status?.LastAnalysis is { } analysis ? $"{analysis.Verdict?.ToString() ?? "-"} ({analysis.Metrics?.Count ?? 0} metrics)" : "-",
            status?.CredentialsExpireAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
            workflow.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null);
    }

    /// <summary><c>spec</c>, <c>held</c> (the annotation <c>kubectl agents kill</c> sets), both, or <c>off</c>.</summary>
    public static string KillSwitchOf(AgentWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var spec = workflow.Spec?.KillSwitch == true;
        var held = workflow.Metadata.Annotations?.ContainsKey(AgentWorkflowAnnotations.KillSwitch) == true;
        return (spec, held) switch
        {
            (true, true) => "on (spec, held)",
            (true, false) => "on (spec)",
            (false, true) => "on (held)",
            _ => "off",
        };
    }

    // The condition that explains the phase: a broken one first, else the one that says what is happening.
    private static (string Reason, string Message) Explanation(AgentWorkflow workflow)
    {
        var conditions = workflow.Status?.Conditions ?? [];
        var broken = conditions.FirstOrDefault(c => c.Type == ConditionTypes.PolicyValid && c.Status == ConditionStatus.False)
            ?? conditions.FirstOrDefault(c => c.Type == ConditionTypes.Degraded && c.Status == ConditionStatus.True)
            ?? conditions.FirstOrDefault(c => c.Type == ConditionTypes.RolledBack && c.Status == ConditionStatus.True)
            ?? conditions.FirstOrDefault(c => c.Type == ConditionTypes.Ready && c.Status != ConditionStatus.True)
            ?? conditions.FirstOrDefault(c => c.Type == ConditionTypes.Progressing && c.Status == ConditionStatus.True)
            ?? conditions.FirstOrDefault(c => c.Type == ConditionTypes.Ready);
        return broken is null ? ("-", "") : (broken.Reason, broken.Message);
    }
}
