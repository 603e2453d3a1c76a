namespace AgentOperator.DevCluster.Dns;

/// <summary>What a name resolved to: the RCODE, whether the server is authoritative for it, and the answer records.</summary>
internal sealed record DnsAnswer(DnsResponseCode Code, bool Authoritative, IReadOnlyList<DnsRecord> Records)
{
    /// <summary>NXDOMAIN: the name does not exist (authoritatively so in the cluster's zone and for registered hosts).</summary>
    public static DnsAnswer NameError(bool authoritative) => new(DnsResponseCode.NameError, authoritative, []);

    /// <summary>NOERROR with these records (none: the name exists without records of the asked type).</summary>
    public static DnsAnswer Found(IReadOnlyList<DnsRecord> records) => new(DnsResponseCode.NoError, true, records);
}
