namespace AgentOperator.Operator.Notifications;

/// <summary>The body a webhook gets.</summary>
internal enum WebhookFormat
{
    /// <summary>The JSON document of <see cref="NotificationPayloads.Generic"/> (schema <c>agentoperator.io/notification/v1</c>).</summary>
    Generic,

    /// <summary>A Slack incoming-webhook message: <c>{"text": ..., "blocks": [...]}</c> (Mattermost and others take it too).</summary>
    Slack,
}
