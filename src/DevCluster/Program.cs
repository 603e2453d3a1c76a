Console.Error.WriteLine("AgentOperator.DevCluster: not implemented yet");
return 2;
