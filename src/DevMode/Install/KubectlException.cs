namespace AgentOperator.DevMode.Install;

/// <summary>kubectl failed; the message holds its command line and error output.</summary>
internal sealed class KubectlException(string message) : Exception(message);
