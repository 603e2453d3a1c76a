namespace AgentOperator.Contracts;

/// <summary>
/// Where a namespace configures its notification webhooks, shared by the operator, config/rbac and the docs. The
/// ConfigMap lists the webhooks; their URLs live in one Secret of a fixed name, which the operator may read only in a
/// namespace whose owner bound <see cref="SecretReaderClusterRole"/> to the operator's ServiceAccount there.
/// </summary>
public static class NotificationSettings
{
    /// <summary>The ConfigMap (in the workflow's namespace) that lists the webhooks.</summary>
    public const string ConfigMapName = "agentoperator-notifications";

    /// <summary>The ConfigMap's data key: a YAML list of webhooks.</summary>
    public const string WebhooksKey = "webhooks.yaml";

    /// <summary>The Secret (in the same namespace) whose keys hold the webhook URLs.</summary>
    public const string SecretName = "agentoperator-notifications";

    /// <summary>The ClusterRole of config/rbac granting <c>get</c> on <see cref="SecretName"/> only; bound per namespace, never cluster-wide.</summary>
    public const string SecretReaderClusterRole = "agentoperator-notifications-secret";
}
