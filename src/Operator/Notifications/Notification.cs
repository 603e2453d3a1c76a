using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Notifications;

/// <summary>
/// One thing worth telling people about a workflow. <see cref="Approval"/> is set for approval events (its
/// <c>spec.input</c> was redacted by the gateway before it was ever stored); <see cref="Facts"/> are the event's own
/// name/value pairs (revision, reason, who engaged the kill switch, ...). Nothing here holds a Secret value.
/// </summary>
internal sealed record Notification(
    string Event,
    bool Warning,
    string Namespace,
    string Workflow,
    string Title,
    string Summary,
    DateTimeOffset ObservedAt,
    IReadOnlyList<KeyValuePair<string, string>> Facts,
    AgentApproval? Approval = null);
