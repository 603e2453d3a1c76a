using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// A pod's network, as a bridge CNI plugin sets up the kubelet's pod sandbox: a network namespace
/// (<c>/run/netns/devcluster-N-H</c>) whose <c>eth0</c> is one end of a veth pair, the other end (<c>dcvNpH</c>) in the
/// node's bridge (hairpin on, so a pod reaches itself through its Service), loopback up, the address 10.244.N.H/24 and a
/// default route through the bridge. Every container of the pod is started in it, so they share its loopback.
/// </summary>
internal sealed class PodSandbox : IAsyncDisposable
{
    public const string NamePrefix = "devcluster-";
    public const string VethPrefix = "dcv";
    private readonly NodeNetwork _network;
    private readonly int _host;
    private int _disposed;

    private PodSandbox(NodeNetwork network, int host)
    {
        _network = network;
        _host = host;
        var slot = network.Slot.ToString(CultureInfo.InvariantCulture);
        var h = host.ToString(CultureInfo.InvariantCulture);
        Name = $"{NamePrefix}{slot}-{h}";
        Veth = $"{VethPrefix}{slot}p{h}";
        var prefix = network.PodCidr.BaseAddress.GetAddressBytes();
        PodIp = new IPAddress([prefix[0], prefix[1], prefix[2], (byte)host]);
    }

    /// <summary>The network namespace's name (<c>ip netns</c>).</summary>
    public string Name { get; }

    /// <summary>The network namespace's file, for <c>nsenter --net=</c>.</summary>
    public string Path => "/run/netns/" + Name;

    public IPAddress PodIp { get; }

    private string Veth { get; }

    public static async Task<PodSandbox> CreateAsync(NodeNetwork network, int host, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var sandbox = new PodSandbox(network, host);
        try
        {
            // A namespace of the same name is a leftover of a pod whose processes outlived it: its network goes.
            await sandbox.RemoveAsync();
            await HostCommand.RunAsync("ip", ["-batch", "-"], $"""
                netns add {sandbox.Name}
                link add {sandbox.Veth} type veth peer name eth0 netns {sandbox.Name}
                link set {sandbox.Veth} master {network.Bridge}
                link set {sandbox.Veth} type bridge_slave hairpin on
                link set {sandbox.Veth} up

                """, ct);
            await HostCommand.RunAsync("ip", ["-n", sandbox.Name, "-batch", "-"], $"""
                link set lo up
                addr add {sandbox.PodIp}/{network.PodCidr.PrefixLength} dev eth0
                link set eth0 up
                route add default via {network.Gateway}

                """, ct);
        }
        catch
        {
            await sandbox.RemoveAsync();
            throw;
        }

        network.SetupTimes.Record(Stopwatch.GetElapsedTime(started));
        return sandbox;
    }

    /// <summary>Deletes the namespace and the veth pair (also while a process still holds the namespace), freeing the address.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        await RemoveAsync();
        _network.TeardownTimes.Record(Stopwatch.GetElapsedTime(started));
        _network.Release(_host);
    }

    private async Task RemoveAsync()
    {
        if (File.Exists(Path))
        {
            await HostCommand.TryRunAsync("ip", ["netns", "delete", Name]);
        }

        if (Directory.Exists("/sys/class/net/" + Veth))
        {
            await HostCommand.TryRunAsync("ip", ["link", "delete", Veth]);
        }
    }
}
