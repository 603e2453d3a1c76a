namespace AgentOperator.DevCluster.Dns;

/// <summary>RCODEs (RFC 1035 §4.1.1); BadVersion (16) needs EDNS's extended RCODE bits (RFC 6891).</summary>
internal enum DnsResponseCode
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NameError = 3,
    NotImplemented = 4,
    Refused = 5,
    BadVersion = 16,
}
