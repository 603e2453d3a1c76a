namespace AgentOperator.Policy.Bundles;

/// <summary>Identity of the workflow a bundle belongs to.</summary>
/// <param name="Namespace">Kubernetes namespace of the AgentWorkflow.</param>
/// <param name="Name">Name of the AgentWorkflow.</param>
public sealed record BundleWorkflow(string Namespace, string Name)
{
    /// <summary>namespace/name, the key of per-workflow state such as rate limits.</summary>
    public override string ToString() => $"{Namespace}/{Name}";
}
