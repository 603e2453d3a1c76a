using System.Net;
using AgentOperator.DevCluster.Diagnostics;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Dns;

/// <summary>
/// The node's cluster DNS server, CoreDNS's part on a cluster: UDP and TCP port 53 on the node's bridge address
/// (<see cref="Address"/>), the nameserver of every ClusterFirst pod. It answers Service names from the API objects
/// (<see cref="ClusterDnsResolver"/>) and names registered with <see cref="SetExternalHost"/>, which stand in for hosts
/// outside the cluster (there is no internet to forward to: every other name is NXDOMAIN at once).
/// </summary>
public sealed class ClusterDns
{
    /// <summary>The port it serves on, UDP and TCP.</summary>
    public const int Port = 53;

    private const ushort ClassIn = 1;
    private const ushort ClassAny = 255;
    private readonly ClusterDnsResolver _resolver;
    private readonly ILogger _logger;
    private DnsListener? _listener;

    internal ClusterDns(ObjectStore store, IPAddress address, ILogger logger)
    {
        _resolver = new ClusterDnsResolver(store);
        _logger = logger;
        Address = address;
    }

    /// <summary>Where the server listens and pods send their queries: the node's bridge address.</summary>
    public IPAddress Address { get; }

    /// <summary>Makes <paramref name="name"/> (e.g. <c>api.openai.com</c>) resolve to <paramref name="address"/> for every pod, replacing what it resolved to before.</summary>
    public void SetExternalHost(string name, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (string.IsNullOrEmpty(name) || !DnsMessage.IsValidName(name))
        {
            throw new ArgumentException($"\"{name}\" is not a DNS name (labels of 1 to 63 characters, 255 in all)", nameof(name));
        }

        _resolver.SetExternalHost(name, address);
    }

    /// <summary>Makes a registered name unknown again; false when it was not registered.</summary>
    public bool RemoveExternalHost(string name) => _resolver.RemoveExternalHost(name);

    /// <summary>Serves on <paramref name="address"/> port 53 (a <see cref="System.Net.Sockets.SocketException"/> when it cannot bind there).</summary>
    internal static ClusterDns Start(ObjectStore store, IPAddress address, ILogger logger)
    {
        var dns = new ClusterDns(store, address, logger);
        dns._listener = DnsListener.Start(new IPEndPoint(address, Port), (message, overTcp) => dns.Respond(message.Span, overTcp));
        return dns;
    }

    internal ValueTask StopAsync() => _listener?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// The response to one message: null for what is not a query (too short for a header, or a response: dropped),
    /// NOTIMP for opcodes other than QUERY, FORMERR for a malformed query, BADVERS for EDNS versions above 0, REFUSED for
    /// classes other than IN, else the resolver's answer, truncated to what the transport carries.
    /// </summary>
    internal byte[]? Respond(ReadOnlySpan<byte> message, bool overTcp)
    {
        if (!DnsMessage.IsQuery(message))
        {
            return null;
        }

        if (DnsMessage.Opcode(message) != 0)
        {
            return DnsMessage.Error(message, DnsResponseCode.NotImplemented);
        }

        DnsQuery query;
        try
        {
            query = DnsMessage.ParseQuery(message);
        }
        catch (DnsFormatException)
        {
            return DnsMessage.Error(message, DnsResponseCode.FormatError);
        }

        var answer = query.EdnsVersion > 0 ? new DnsAnswer(DnsResponseCode.BadVersion, false, [])
            : query.Class is not (ClassIn or ClassAny) ? new DnsAnswer(DnsResponseCode.Refused, false, [])
            // A label holding a dot names nothing here (and would read as two labels).
            : query.Labels.Any(l => l.Contains('.', StringComparison.Ordinal)) ? DnsAnswer.NameError(authoritative: false)
            : Resolve(query);
        return DnsMessage.Response(query, answer, overTcp ? ushort.MaxValue : DnsMessage.UdpLimit(query));
    }

    private DnsAnswer Resolve(DnsQuery query)
    {
        try
        {
            return _resolver.Resolve(query.Name, query.Type);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug here costs one answer (SERVFAIL), not the server.
            Log.DnsAnswerFailed(_logger, e, query.Name);
            return new DnsAnswer(DnsResponseCode.ServerFailure, false, []);
        }
    }
}
