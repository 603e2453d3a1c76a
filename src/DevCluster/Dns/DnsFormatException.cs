namespace AgentOperator.DevCluster.Dns;

/// <summary>A message that is not valid DNS wire format; answered with FORMERR when its header can be read.</summary>
internal sealed class DnsFormatException(string message) : Exception(message);
