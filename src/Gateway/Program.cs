Console.Error.WriteLine("AgentOperator.Gateway: not implemented yet");
return 2;
