namespace AgentOperator.Operator.Workflows;

/// <summary>What <see cref="ChildWriter"/> did to bring one child to its desired state.</summary>
internal enum ChildWrite
{
    /// <summary>It already matched: nothing was written.</summary>
    Unchanged,
    Created,

    /// <summary>Owned fields differed: a merge patch with a resourceVersion precondition.</summary>
    Patched,

    /// <summary>An immutable field differed: deleted and created again.</summary>
    Replaced,
}
