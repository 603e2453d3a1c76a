namespace AgentOperator.Operator.Provisioning;

/// <summary>The outcome of comparing an existing child with its desired state.</summary>
/// <param name="Change">What to do.</param>
/// <param name="Paths">JSON pointers of the fields that differ (e.g. /spec/template/spec/containers/1/image), for logs and Events.</param>
public sealed record ChildDifference(ChildChange Change, IReadOnlyList<string> Paths)
{
    /// <summary>No difference.</summary>
    public static ChildDifference None { get; } = new(ChildChange.None, []);
}
