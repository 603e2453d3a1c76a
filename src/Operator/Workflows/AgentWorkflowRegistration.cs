using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Hosting;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using k8s;

namespace AgentOperator.Operator.Workflows;

/// <summary>Registers the AgentWorkflow controller with the operator host.</summary>
internal static class AgentWorkflowRegistration
{
    /// <summary>
    /// Adds the controller (built by <see cref="AgentWorkflowController.Create"/>, which also wires the AgentTool
    /// watch that needs the workflow cache) with <paramref name="provisioning"/> (defaults when null), its API server
    /// endpoints discovered by the host.
    /// </summary>
    public static OperatorRuntimeBuilder AddAgentWorkflowController(this OperatorRuntimeBuilder runtime, ProvisioningOptions? provisioning = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        runtime.Services.AddSingleton<IController>(sp => AgentWorkflowController.Create(
            sp.GetRequiredService<SharedInformerFactory>(),
            sp.GetRequiredService<IKubernetes>(),
            WithDiscoveredEndpoints(provisioning ?? sp.GetService<ProvisioningOptions>() ?? new ProvisioningOptions(), sp),
            sp.GetRequiredService<ControllerOptions>(),
            sp.GetRequiredService<ControllerMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            analysis: sp.GetService<AnalysisOptions>()));
        return runtime;
    }

    // The host's discovery of default/kubernetes, unless the caller brought its own.
    private static ProvisioningOptions WithDiscoveredEndpoints(ProvisioningOptions options, IServiceProvider services) =>
        options with { DiscoveredApiServerEndpoints = options.DiscoveredApiServerEndpoints ?? services.GetService<DiscoveredApiServerEndpoints>() };
}
