namespace AgentOperator.Operator.Provisioning;

/// <summary>An address range and TCP port, e.g. one kube-apiserver endpoint (10.0.0.5/32, 6443).</summary>
/// <param name="Cidr">An IPv4 or IPv6 CIDR; a single address is /32 or /128.</param>
/// <param name="Port">TCP port.</param>
public sealed record NetworkEndpoint(string Cidr, int Port);
