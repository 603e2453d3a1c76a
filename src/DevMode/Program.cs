using AgentOperator.DevMode;

return await DevModeCommand.RunAsync(args);
