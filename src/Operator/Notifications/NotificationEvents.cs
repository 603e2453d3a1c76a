namespace AgentOperator.Operator.Notifications;

/// <summary>The events a webhook can be told about; the names a webhook's <c>events</c> list may use.</summary>
internal static class NotificationEvents
{
    public const string ApprovalRequested = "ApprovalRequested";
    public const string ApprovalApproved = "ApprovalApproved";
    public const string ApprovalDenied = "ApprovalDenied";
    public const string ApprovalExpired = "ApprovalExpired";
    public const string RevisionPromoted = "RevisionPromoted";
    public const string RolledBack = "RolledBack";
    public const string KillSwitchEngaged = "KillSwitchEngaged";
    public const string KillSwitchReleased = "KillSwitchReleased";
    public const string RunsFailing = "RunsFailing";

    public static IReadOnlyList<string> All { get; } =
    [
        ApprovalRequested, ApprovalApproved, ApprovalDenied, ApprovalExpired, RevisionPromoted, RolledBack,
        KillSwitchEngaged, KillSwitchReleased, RunsFailing,
    ];
}
