namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// Entry point of provisioning: the desired state of a revision's children, computed without I/O.
/// The same inputs always give equal objects, so a reconciler can compare them with what exists
/// (<see cref="ChildDiff"/>) and write nothing in a steady state.
/// </summary>
public static class RevisionChildrenBuilder
{
    /// <summary>Problems that make <paramref name="inputs"/> impossible to provision; empty when it can be built.</summary>
    public static IReadOnlyList<string> Validate(RevisionInputs inputs, ProvisioningOptions options)
    {
        var problems = new List<string>();
        var workflow = inputs.Workflow;
        if (string.IsNullOrEmpty(workflow.Metadata.Name) || string.IsNullOrEmpty(workflow.Metadata.NamespaceProperty) || string.IsNullOrEmpty(workflow.Metadata.Uid))
        {
            problems.Add("the AgentWorkflow must have a name, a namespace and a uid");
        }

        if (string.IsNullOrEmpty(inputs.Revision))
        {
            problems.Add("the revision id is empty");
        }

        if (inputs.Replicas < 0)
        {
            problems.Add("replicas must not be negative");
        }

        var agentPort = workflow.Spec.Runtime.Port;
        if (agentPort == options.GatewayApiPort || agentPort == options.GatewayMetricsPort)
        {
            problems.Add($"spec.runtime.port {agentPort} is taken by the gateway sidecar (ports {options.GatewayApiPort} and {options.GatewayMetricsPort})");
        }

        try
        {
            _ = GatewayCredentials.AudienceTokens(inputs);
        }
        catch (ArgumentException exception)
        {
            problems.Add(exception.Message);
        }

        return problems;
    }

    /// <summary>The revision's children.</summary>
    /// <exception cref="ArgumentException">the inputs fail <see cref="Validate"/>.</exception>
    public static RevisionChildren Build(RevisionInputs inputs, ProvisioningOptions options)
    {
        var problems = Validate(inputs, options);
        if (problems.Count > 0)
        {
            throw new ArgumentException("cannot provision the revision: " + string.Join("; ", problems), nameof(inputs));
        }

        return new(
            IdentityBuilder.ServiceAccount(inputs),
            IdentityBuilder.Role(inputs),
            IdentityBuilder.RoleBinding(inputs),
            BundleConfigMapBuilder.Build(inputs),
            NetworkPolicyBuilder.Build(inputs, options),
            DeploymentBuilder.Build(inputs, options));
    }
}
