namespace AgentOperator.Operator.Notifications;

/// <summary>
/// One webhook of a namespace: its URL is the value of <see cref="UrlKey"/> in the namespace's notification Secret.
/// Null <see cref="Workflows"/> means every workflow of the namespace; null <see cref="Events"/> every event.
/// </summary>
internal sealed record Webhook(string Name, WebhookFormat Format, string UrlKey, IReadOnlySet<string>? Workflows, IReadOnlySet<string>? Events)
{
    public bool Wants(Notification notification) =>
        (Workflows is null || Workflows.Contains(notification.Workflow)) && (Events is null || Events.Contains(notification.Event));
}
