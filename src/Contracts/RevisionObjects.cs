namespace AgentOperator.Contracts;

/// <summary>How the objects the operator creates per revision name their owner: the operator writes it, the audit collector reads it off the gateway's ServiceAccount.</summary>
public static class RevisionObjects
{
    /// <summary>Annotation with the revision id in full, on every per-revision object (the label may be shortened).</summary>
    public const string RevisionAnnotation = "agentoperator.io/revision";

    /// <summary>Kind of the controller owner reference every child carries.</summary>
    public const string WorkflowKind = "AgentWorkflow";
}
