using AgentOperator.Operator.Hosting;
using AgentOperator.Operator.Workflows;

if (args is ["dev", ..])
{
    // Replaced by the dev-mode task: embedded cluster + operator + examples.
    Console.Error.WriteLine("dev mode is not implemented yet");
    return 2;
}

return await OperatorHost.RunAsync(args, runtime => runtime.AddAgentWorkflowController());
