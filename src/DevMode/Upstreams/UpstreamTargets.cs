using System.Net;

namespace AgentOperator.DevMode.Upstreams;

/// <summary>Where the fakes listen on the node's address: the stand-ins point there.</summary>
internal sealed record UpstreamTargets(IPAddress NodeAddress, int ModelHttpsPort, IPEndPoint Tools, IPEndPoint? Prometheus)
{
    /// <summary>The fake for a cluster-local upstream of <paramref name="kind"/>; null when none runs (Prometheus not installed).</summary>
    public IPEndPoint? For(UpstreamKind kind) => kind switch
    {
        UpstreamKind.Tool => Tools,
        UpstreamKind.Prometheus => Prometheus,
        _ => null,
    };
}
