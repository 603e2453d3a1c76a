using AgentOperator.Operator.Approvals;
using AgentOperator.Operator.Hosting;
using AgentOperator.Operator.Notifications;
using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator;

/// <summary>The operator's controllers, registered the same way by its own process and by dev mode (src/DevMode), which hosts it in-process.</summary>
internal static class OperatorControllers
{
    public static void Register(OperatorRuntimeBuilder runtime) =>
        runtime.AddAgentWorkflowController().AddAgentApprovalController().AddNotifications();
}
