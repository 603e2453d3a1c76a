using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Operator.Provisioning;

/// <summary>Everything the desired children of one revision are computed from.</summary>
/// <param name="Workflow">The owning workflow; its metadata must carry name, namespace and uid.</param>
/// <param name="Revision">The revision id (the Policy library's hash of the behaviour-changing spec).</param>
/// <param name="BundleJson">The compiled policy bundle the gateway enforces, exactly as it goes into the ConfigMap.</param>
/// <param name="Tools">The AgentTools the workflow's tool bindings reference (matched by spec.name); others are ignored.</param>
/// <param name="Replicas">Replicas of this revision's Deployment; the traffic provider decides them.</param>
public sealed record RevisionInputs(
    AgentWorkflow Workflow,
    string Revision,
    string BundleJson,
    IReadOnlyList<AgentTool> Tools,
    int Replicas)
{
    /// <summary>The workflow's namespace.</summary>
    public string Namespace => Workflow.Metadata.NamespaceProperty
        ?? throw new ArgumentException("the AgentWorkflow has no namespace", nameof(Workflow));

    /// <summary>The workflow's name.</summary>
    public string WorkflowName => Workflow.Metadata.Name
        ?? throw new ArgumentException("the AgentWorkflow has no name", nameof(Workflow));

    /// <summary>The AgentTools bound by the workflow, in the order of spec.tools, each with its binding.</summary>
    public IEnumerable<(ToolBinding Binding, AgentTool Tool)> BoundTools()
    {
        foreach (var binding in Workflow.Spec.Tools)
        {
            var tool = Tools.FirstOrDefault(t => string.Equals(t.Spec?.Name, binding.Name, StringComparison.Ordinal));
            if (tool is not null)
            {
                yield return (binding, tool);
            }
        }
    }
}
