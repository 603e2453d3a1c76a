Console.Error.WriteLine("AgentOperator.Operator: not implemented yet");
return 2;
