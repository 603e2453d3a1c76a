using AgentOperator.Gateway.Cli;

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};
return await GatewayCommandLine.RunAsync(args, Console.Out, Console.Error, stopping.Token);
