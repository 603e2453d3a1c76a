using AgentOperator.Operator.Hosting;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using k8s;

namespace AgentOperator.Operator.Approvals;

/// <summary>Registers the AgentApproval controller with the operator host.</summary>
internal static class AgentApprovalRegistration
{
    public static OperatorRuntimeBuilder AddAgentApprovalController(this OperatorRuntimeBuilder runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        runtime.Services.AddSingleton<IController>(sp => AgentApprovalController.Create(
            sp.GetRequiredService<SharedInformerFactory>(),
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<ControllerOptions>(),
            sp.GetRequiredService<ControllerMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return runtime;
    }
}
