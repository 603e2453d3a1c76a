using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Notifications;
using AgentOperator.Operator.Runtime.Informers;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Notifications;

/// <summary>Which observed changes are news: pure functions of the old and new object.</summary>
public sealed class NotificationTriggersTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Rollback_and_promotion_history_entries_each_notify_once()
    {
        var promoted = new RevisionHistoryEntry { Revision = "aaaa", Outcome = RevisionOutcome.Promoted, Time = Now.AddMinutes(-5) };
        var rolledBack = new RevisionHistoryEntry { Revision = "bbbb", Outcome = RevisionOutcome.RolledBack, Reason = "escalationRate 0.4 > 0.2", Time = Now };
        var old = Workflow(history: [promoted]);
        var changed = Workflow(history: [promoted, rolledBack]);

        var notification = Assert.Single(NotificationTriggers.FromWorkflow(new(InformerEventType.Modified, changed, old), Now));
        Assert.Equal(NotificationEvents.RolledBack, notification.Event);
        Assert.True(notification.Warning);
        Assert.Contains("escalationRate 0.4 > 0.2", notification.Summary, StringComparison.Ordinal);

        var first = Assert.Single(NotificationTriggers.FromWorkflow(new(InformerEventType.Modified, Workflow(history: [promoted]), Workflow()), Now));
        Assert.Equal(NotificationEvents.RevisionPromoted, first.Event);
        Assert.Empty(NotificationTriggers.FromWorkflow(new(InformerEventType.Modified, changed, changed), Now));
    }

    [Fact]
    public void Cache_replays_resyncs_and_deletions_announce_nothing()
    {
        var workflow = Workflow(killSwitch: true);
        Assert.Empty(NotificationTriggers.FromWorkflow(new(InformerEventType.Added, workflow), Now));
        Assert.Empty(NotificationTriggers.FromWorkflow(new(InformerEventType.Resync, workflow), Now));
        Assert.Empty(NotificationTriggers.FromWorkflow(new(InformerEventType.Deleted, workflow), Now));
        var decided = Approval(ApprovalDecision.Approved);
        Assert.Empty(NotificationTriggers.FromApproval(new(InformerEventType.Added, decided), Now));
        Assert.Empty(NotificationTriggers.FromApproval(new(InformerEventType.Resync, Approval(ApprovalDecision.Pending)), Now));
    }

    [Fact]
    public void Kill_switch_annotation_while_the_spec_already_holds_it_is_not_a_second_engagement()
    {
        var bySpec = Workflow(killSwitch: true);
        var both = Workflow(killSwitch: true, annotation: "alice at 2026-12-06T01:00:00Z: drill");
        Assert.Empty(NotificationTriggers.FromWorkflow(new(InformerEventType.Modified, both, bySpec), Now));

        var engaged = Assert.Single(NotificationTriggers.FromWorkflow(new(InformerEventType.Modified, Workflow(annotation: "alice at 2026-12-06T01:00:00Z: drill"), Workflow()), Now));
        Assert.Equal(NotificationEvents.KillSwitchEngaged, engaged.Event);
        Assert.Contains(engaged.Facts, f => f.Key == "engagedBy" && f.Value.Contains("alice", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ApprovalDecision.Approved, NotificationEvents.ApprovalApproved)]
    [InlineData(ApprovalDecision.Denied, NotificationEvents.ApprovalDenied)]
    [InlineData(ApprovalDecision.Expired, NotificationEvents.ApprovalExpired)]
    public void Approval_leaving_pending_notifies_its_decision(ApprovalDecision decision, string expected)
    {
        var notification = Assert.Single(NotificationTriggers.FromApproval(new(InformerEventType.Modified, Approval(decision), Approval(ApprovalDecision.Pending)), Now));
        Assert.Equal(expected, notification.Event);
        Assert.Empty(NotificationTriggers.FromApproval(new(InformerEventType.Modified, Approval(decision), Approval(decision)), Now));
    }

    private static AgentWorkflow Workflow(bool killSwitch = false, string? annotation = null, IReadOnlyList<RevisionHistoryEntry>? history = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "refunds",
            NamespaceProperty = "support",
            Annotations = annotation is null ? null : new Dictionary<string, string> { [AgentWorkflowAnnotations.KillSwitch] = annotation },
        },
        Spec = Workflows.WorkflowManifests.Spec() with { KillSwitch = killSwitch },
        Status = new AgentWorkflowStatus { History = history },
    };

    private static AgentApproval Approval(ApprovalDecision decision) => new()
    {
        Metadata = new V1ObjectMeta { Name = "refund-x1", NamespaceProperty = "support" },
        Spec = new AgentApprovalSpec
        {
            Workflow = "refunds", Revision = "aaaa", RunId = "run-1", Tool = "payments.issue_refund", Action = ToolAction.Create,
            InputSha256 = new string('0', 64), RiskTier = 3, ApprovalsRequired = 1, ExpiresAt = Now.AddMinutes(30),
        },
        Status = new AgentApprovalStatus
        {
            Decision = decision,
            Approvals = decision == ApprovalDecision.Pending ? [] : [new ApproverDecision { User = "alice", Verdict = decision == ApprovalDecision.Denied ? ApproverVerdict.Deny : ApproverVerdict.Approve }],
        },
    };
}
