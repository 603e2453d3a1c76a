using System.Net;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// kube-apiserver's Service ClusterIP allocator over its <c>--service-cluster-ip-range</c>: the range's first address is
/// the <c>kubernetes</c> Service's, the others are handed out in order from the eleventh on (wrapping around, skipping
/// addresses still held by a Service of this server).
/// </summary>
internal sealed class ServiceClusterIps(IPNetwork range)
{
    /// <summary>kubeadm's default range, used when the node has no pod network of its own.</summary>
    public static readonly IPNetwork DefaultRange = IPNetwork.Parse("10.96.0.0/12");

    private const int FirstAllocated = 11;
    private readonly Lock _gate = new();
    private long _next = FirstAllocated;

    public IPNetwork Range => range;

    /// <summary>The <c>kubernetes</c> Service's address.</summary>
    public IPAddress Kubernetes => At(1);

    /// <summary>The next address no Service holds (<paramref name="inUse"/>).</summary>
    public IPAddress Allocate(IReadOnlySet<string> inUse)
    {
        var size = 1L << (32 - range.PrefixLength);
        lock (_gate)
        {
            for (var tried = 0L; tried < size; tried++)
            {
                var candidate = At(_next);
                _next = _next + 1 >= size - 1 ? FirstAllocated : _next + 1;
                if (!inUse.Contains(candidate.ToString()))
                {
                    return candidate;
                }
            }
        }

        throw ApiErrors.InternalError("failed to allocate a serviceIP: range is full");
    }

    private IPAddress At(long offset)
    {
        var bytes = range.BaseAddress.GetAddressBytes();
        var value = ((long)bytes[0] << 24 | (long)bytes[1] << 16 | (long)bytes[2] << 8 | bytes[3]) + offset;
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    }
}
