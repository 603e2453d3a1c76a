using AgentOperator.Crds.V1Alpha1;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>Metadata of a child: name, namespace, labels and the controller owner reference to its workflow.</summary>
public static class ChildMetadata
{
    /// <summary>
    /// The owner reference every child carries: controller (only this workflow reconciles it) and
    /// blockOwnerDeletion (foreground deletion of the workflow waits for it).
    /// </summary>
    public static V1OwnerReference OwnerReference(AgentWorkflow workflow) => new()
    {
        ApiVersion = ApiGroup.ApiVersion,
        Kind = AgentWorkflow.KubeKind,
        Name = workflow.Metadata.Name ?? throw new ArgumentException("the AgentWorkflow has no name", nameof(workflow)),
        Uid = workflow.Metadata.Uid ?? throw new ArgumentException("the AgentWorkflow has no uid: it must be read from the API server before its children are built", nameof(workflow)),
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>Metadata of a workflow-level child (the Services).</summary>
    public static V1ObjectMeta ForWorkflow(AgentWorkflow workflow, string name) => new()
    {
        Name = name,
        NamespaceProperty = workflow.Metadata.NamespaceProperty ?? throw new ArgumentException("the AgentWorkflow has no namespace", nameof(workflow)),
        Labels = ChildLabels.ForWorkflow(workflow.Metadata.Name ?? throw new ArgumentException("the AgentWorkflow has no name", nameof(workflow))),
        OwnerReferences = [OwnerReference(workflow)],
    };

    /// <summary>Metadata of a per-revision child.</summary>
    public static V1ObjectMeta ForRevision(RevisionInputs inputs, IDictionary<string, string>? annotations = null)
    {
        var allAnnotations = new Dictionary<string, string>(StringComparer.Ordinal) { [ChildLabels.RevisionAnnotation] = inputs.Revision };
        foreach (var (key, value) in annotations ?? new Dictionary<string, string>())
        {
            allAnnotations[key] = value;
        }

        return new()
        {
            Name = ChildNames.RevisionObject(inputs.WorkflowName, inputs.Revision),
            NamespaceProperty = inputs.Namespace,
            Labels = ChildLabels.ForRevision(inputs.WorkflowName, inputs.Revision),
            Annotations = allAnnotations,
            OwnerReferences = [OwnerReference(inputs.Workflow)],
        };
    }
}
