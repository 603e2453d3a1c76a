using AgentOperator.Operator.Approvals;
using AgentOperator.Operator.DevMode;
using AgentOperator.Operator.Hosting;
using AgentOperator.Operator.Notifications;
using AgentOperator.Operator.Workflows;

Action<OperatorRuntimeBuilder> controllers = runtime => runtime.AddAgentWorkflowController().AddAgentApprovalController().AddNotifications();
return args is ["dev", .. var devArgs]
    ? await DevModeCommand.RunAsync(devArgs, controllers)
    : await OperatorHost.RunAsync(args, controllers);
