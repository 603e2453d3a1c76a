using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.Rollouts;

/// <summary>
/// Manual control, GitOps-safe: promote and abort name the canary revision they act on, so an annotation left in git
/// never acts on a later canary; pause is a level (present and "true" means paused); retry is a request id handled once.
/// </summary>
internal sealed record RolloutAnnotations(string? Promote, string? Abort, bool Pause, string? Retry)
{
    public static RolloutAnnotations None { get; } = new(null, null, false, null);

    public static RolloutAnnotations From(IDictionary<string, string>? annotations)
    {
        if (annotations is null)
        {
            return None;
        }

        return new(
            Value(annotations, WorkflowAnnotations.Promote),
            Value(annotations, WorkflowAnnotations.Abort),
            string.Equals(Value(annotations, WorkflowAnnotations.Pause), "true", StringComparison.OrdinalIgnoreCase),
            Value(annotations, WorkflowAnnotations.Retry));
    }

    private static string? Value(IDictionary<string, string> annotations, string key) =>
        annotations.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
