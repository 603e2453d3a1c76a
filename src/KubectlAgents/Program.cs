using AgentOperator.KubectlAgents.Cli;

return await AgentsCommandLine.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
