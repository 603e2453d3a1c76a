namespace AgentOperator.Contracts;

/// <summary>A command line is wrong; the message names the argument and says how.</summary>
public sealed class UsageException(string message) : Exception(message);
