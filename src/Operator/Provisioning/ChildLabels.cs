using AgentOperator.Contracts;

namespace AgentOperator.Operator.Provisioning;

/// <summary>Label and annotation keys the operator puts on what it creates.</summary>
public static class ChildLabels
{
    public const string Name = "app.kubernetes.io/name";
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string Component = "app.kubernetes.io/component";
    public const string Workflow = "agentoperator.io/workflow";
    public const string Revision = "agentoperator.io/revision";

    /// <summary>Value of <see cref="ManagedBy"/>.</summary>
    public const string ManagedByValue = "agentoperator";

    /// <summary>SHA-256 (hex) of the bundle JSON, on the bundle ConfigMap and the Deployment: the contract's <see cref="BundleConfigMap.Sha256Annotation"/>.</summary>
    public const string BundleSha256Annotation = BundleConfigMap.Sha256Annotation;

    /// <summary>The revision id in full, on every per-revision object (the label may be shortened).</summary>
    public const string RevisionAnnotation = RevisionObjects.RevisionAnnotation;

    /// <summary>Labels every child of the workflow carries.</summary>
    public static Dictionary<string, string> ForWorkflow(string workflow) => new(StringComparer.Ordinal)
    {
        [Name] = ChildNames.LabelValue(workflow),
        [ManagedBy] = ManagedByValue,
        [Workflow] = ChildNames.LabelValue(workflow),
    };

    /// <summary>Labels every per-revision child (and its pods) carries.</summary>
    public static Dictionary<string, string> ForRevision(string workflow, string revision)
    {
        var labels = ForWorkflow(workflow);
        labels[Revision] = ChildNames.LabelValue(revision);
        return labels;
    }

    /// <summary>Selects every pod of the workflow.</summary>
    public static Dictionary<string, string> WorkflowSelector(string workflow) => new(StringComparer.Ordinal)
    {
        [Workflow] = ChildNames.LabelValue(workflow),
    };

    /// <summary>Selects the pods of one revision. Also the Deployment's (immutable) selector.</summary>
    public static Dictionary<string, string> RevisionSelector(string workflow, string revision) => new(StringComparer.Ordinal)
    {
        [Workflow] = ChildNames.LabelValue(workflow),
        [Revision] = ChildNames.LabelValue(revision),
    };
}
