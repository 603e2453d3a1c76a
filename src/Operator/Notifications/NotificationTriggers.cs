using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime.Informers;

namespace AgentOperator.Operator.Notifications;

/// <summary>
/// Turns what the informers saw change into notifications, as pure functions of the old and new object: an approval
/// that appeared Pending (requested) or left Pending (approved, denied, expired); a workflow whose history gained a
/// Promoted or RolledBack/Aborted entry, whose kill switch (spec or the plugin's annotation) flipped, or whose
/// <c>RunsHealthy</c> condition turned False. A cache replay, a resync or a deletion announces nothing.
/// </summary>
internal static class NotificationTriggers
{
    public static IEnumerable<Notification> FromApproval(InformerEvent<AgentApproval> change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        var approval = change.Object;
        if (approval.Spec is null)
        {
            yield break;
        }

        var decision = approval.Status?.Decision ?? ApprovalDecision.Pending;
        switch (change.Type)
        {
            case InformerEventType.Added when decision == ApprovalDecision.Pending:
                yield return Requested(approval, now);
                break;
            case InformerEventType.Modified when (change.Old?.Status?.Decision ?? ApprovalDecision.Pending) == ApprovalDecision.Pending
                                                 && decision != ApprovalDecision.Pending:
                yield return Decided(approval, decision, now);
                break;
        }
    }

    public static IEnumerable<Notification> FromWorkflow(InformerEvent<AgentWorkflow> change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Type != InformerEventType.Modified || change.Old is not { } old)
        {
            yield break;
        }

        var workflow = change.Object;
        var engaged = AgentWorkflowAnnotations.KillSwitchEngaged(workflow);
        if (engaged != AgentWorkflowAnnotations.KillSwitchEngaged(old))
        {
            yield return KillSwitch(workflow, engaged, now);
        }

        var before = old.Status?.History ?? [];
        foreach (var entry in (workflow.Status?.History ?? []).Where(e => !before.Contains(e)))
        {
            yield return Rollout(workflow, entry, now);
        }

        var runs = Condition(workflow, ConditionTypes.RunsHealthy);
        if (runs?.Status == ConditionStatus.False && Condition(old, ConditionTypes.RunsHealthy)?.Status != ConditionStatus.False)
        {
            yield return new Notification(
                NotificationEvents.RunsFailing, true, Namespace(workflow), workflow.Metadata.Name,
                $"Runs failing: {workflow.Metadata.Name}",
                $"Runs of {workflow.Metadata.Name} are failing ({runs.Reason}): {runs.Message}",
                now,
                [new("reason", runs.Reason), new("message", runs.Message), new("stableRevision", workflow.Status?.StableRevision ?? "")]);
        }
    }

    private static Notification Requested(AgentApproval approval, DateTimeOffset now)
    {
        var spec = approval.Spec;
        var needs = spec.ApprovalsRequired == 1 ? "1 approver" : $"{spec.ApprovalsRequired} distinct approvers";
        return new Notification(
            NotificationEvents.ApprovalRequested, false, Namespace(approval), spec.Workflow,
            $"Approval requested: {spec.Tool} (tier {spec.RiskTier})",
            $"Run {spec.RunId} of {spec.Workflow} asks to {Verb(spec.Action)} with {spec.Tool} (tier {spec.RiskTier}): " +
            $"{(spec.Reason ?? "approval required").TrimEnd('.')}. AgentApproval {approval.Metadata.Name} needs {needs} before {Time(spec.ExpiresAt)}.",
            now, ApprovalFacts(approval), approval);
    }

    private static Notification Decided(AgentApproval approval, ApprovalDecision decision, DateTimeOffset now)
    {
        var spec = approval.Spec;
        var verdicts = approval.Status?.Approvals ?? [];
        var by = string.Join(", ", verdicts.Where(v => decision != ApprovalDecision.Denied || v.Verdict == ApproverVerdict.Deny).Select(v => v.User));
        var (name, what) = decision switch
        {
            ApprovalDecision.Approved => (NotificationEvents.ApprovalApproved, $"approved by {by}: {spec.Tool} for run {spec.RunId} may execute once"),
            ApprovalDecision.Denied => (NotificationEvents.ApprovalDenied, $"denied by {by}: {spec.Tool} for run {spec.RunId} will not execute"),
            _ => (NotificationEvents.ApprovalExpired, $"expired at {Time(spec.ExpiresAt)} without a decision: {spec.Tool} for run {spec.RunId} will not execute"),
        };
        var facts = ApprovalFacts(approval).ToList();
        facts.Add(new("decision", decision.ToString()));
        if (by.Length > 0)
        {
            facts.Add(new("decidedBy", by));
        }

        return new Notification(
            name, decision != ApprovalDecision.Approved, Namespace(approval), spec.Workflow,
            $"Approval {decision.ToString().ToLowerInvariant()}: {spec.Tool}",
            $"AgentApproval {approval.Metadata.Name} {what}.", now, facts, approval);
    }

    private static Notification KillSwitch(AgentWorkflow workflow, bool engaged, DateTimeOffset now)
    {
        var name = workflow.Metadata.Name;
        var facts = new List<KeyValuePair<string, string>>();
        string source;
        if (engaged)
        {
            var annotation = workflow.Metadata.Annotations is { } annotations && annotations.TryGetValue(AgentWorkflowAnnotations.KillSwitch, out var value) ? value : null;
            source = workflow.Spec?.KillSwitch == true ? "spec.killSwitch" : "annotation " + AgentWorkflowAnnotations.KillSwitch;
            if (annotation is not null)
            {
                facts.Add(new("engagedBy", annotation));
            }
        }
        else
        {
            source = "spec.killSwitch and annotation " + AgentWorkflowAnnotations.KillSwitch;
        }

        facts.Add(new("source", source));
        return engaged
            ? new Notification(NotificationEvents.KillSwitchEngaged, true, Namespace(workflow), name, $"Kill switch engaged: {name}",
                $"The kill switch of {name} is engaged ({source}): every write action is denied until it is released.", now, facts)
            : new Notification(NotificationEvents.KillSwitchReleased, false, Namespace(workflow), name, $"Kill switch released: {name}",
                $"The kill switch of {name} is released: write actions are decided by policy again.", now, facts);
    }

    private static Notification Rollout(AgentWorkflow workflow, RevisionHistoryEntry entry, DateTimeOffset now)
    {
        var name = workflow.Metadata.Name;
        var facts = new List<KeyValuePair<string, string>> { new("revision", entry.Revision), new("outcome", entry.Outcome.ToString()) };
        if (entry.Reason is { } reason)
        {
            facts.Add(new("reason", reason));
        }

        return entry.Outcome == RevisionOutcome.Promoted
            ? new Notification(NotificationEvents.RevisionPromoted, false, Namespace(workflow), name, $"Revision promoted: {name} {entry.Revision}",
                $"Revision {entry.Revision} of {name} was promoted and takes all traffic{(entry.Reason is null ? "" : $": {entry.Reason}")}.", now, facts)
            : new Notification(NotificationEvents.RolledBack, true, Namespace(workflow), name, $"Rolled back: {name} {entry.Revision}",
                $"Revision {entry.Revision} of {name} was {(entry.Outcome == RevisionOutcome.Aborted ? "aborted" : "rolled back")}: {entry.Reason ?? "no reason recorded"}.", now, facts);
    }

    private static List<KeyValuePair<string, string>> ApprovalFacts(AgentApproval approval) =>
    [
        new("approval", approval.Metadata.Name),
        new("tool", approval.Spec.Tool),
        new("action", Verb(approval.Spec.Action)),
        new("riskTier", approval.Spec.RiskTier.ToString(CultureInfo.InvariantCulture)),
        new("runId", approval.Spec.RunId),
        new("revision", approval.Spec.Revision),
        new("approvalsRequired", approval.Spec.ApprovalsRequired.ToString(CultureInfo.InvariantCulture)),
        new("expiresAt", Time(approval.Spec.ExpiresAt)),
    ];

    private static Condition? Condition(AgentWorkflow workflow, string type) =>
        workflow.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    private static string Namespace(Crds.V1Alpha1.AgentApproval approval) => approval.Metadata.NamespaceProperty ?? "";

    private static string Namespace(AgentWorkflow workflow) => workflow.Metadata.NamespaceProperty ?? "";

    private static string Verb(ToolAction action) => action.ToString().ToLowerInvariant();

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
