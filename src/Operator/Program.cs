using AgentOperator.Operator;
using AgentOperator.Operator.Hosting;

return await OperatorHost.RunAsync(args, OperatorControllers.Register);
