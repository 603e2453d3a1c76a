using AgentOperator.DevMode;
using AgentOperator.Operator;

return await DevModeCommand.RunAsync(args, OperatorControllers.Register);
