using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// The node's pod network, as a bridge CNI plugin and kube-proxy build it on a kubelet's machine: the node claims a
/// slot N (<see cref="NodeNetworkSlot"/>), makes the bridge <c>dcbrN</c> with 10.244.N.1/24 as the pods' gateway and
/// the host's address on it, routes its Service range (the N-th /20 of 10.96.0.0/12) through the bridge, forwards
/// between the pods on it, and hands out one <see cref="PodSandbox"/> (network namespace, veth, address) per pod.
/// The iptables chains for Services (<see cref="ServiceProxy"/>) are hooked into nat PREROUTING/OUTPUT/POSTROUTING and
/// filter OUTPUT/FORWARD, named per slot (<c>DEVCLUSTER-N-…</c>). Everything it makes carries the slot's number, so
/// what a dead node left behind is found and removed at start, and disposing removes all of it.
/// </summary>
internal sealed partial class NodeNetwork : IAsyncDisposable
{
    private const string NetnsDirectory = "/run/netns";
    private const string SysNet = "/sys/class/net";
    private static readonly IPNetwork ServiceRanges = IPNetwork.Parse("10.96.0.0/12");
    private readonly NodeNetworkSlot _slot;
    private readonly bool[] _leased = new bool[256];
    private readonly Lock _gate = new();

    private NodeNetwork(NodeNetworkSlot slot, bool routesServices)
    {
        _slot = slot;
        RoutesServices = routesServices;
        var n = slot.Number;
        Gateway = IPAddress.Parse($"10.244.{n.ToString(CultureInfo.InvariantCulture)}.1");
        PodCidr = new IPNetwork(IPAddress.Parse($"10.244.{n.ToString(CultureInfo.InvariantCulture)}.0"), 24);
        var first = ServiceRanges.BaseAddress.GetAddressBytes();
        var offset = n << 12; // 4096 addresses per slot
        ServiceCidr = new IPNetwork(new IPAddress([first[0], (byte)(first[1] + (offset >> 16)), (byte)(offset >> 8), 0]), 20);
    }

    public int Slot => _slot.Number;

    /// <summary>The bridge the pods' veths are enslaved to.</summary>
    public string Bridge => $"dcbr{Slot.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The host's address on the bridge: the pods' default gateway, where they reach the API server.</summary>
    public IPAddress Gateway { get; }

    public IPNetwork PodCidr { get; }

    /// <summary>This node's Service ClusterIP range (the API server allocates from it, the proxy routes it).</summary>
    public IPNetwork ServiceCidr { get; }

    /// <summary>Whether iptables is there to route Service ClusterIPs.</summary>
    public bool RoutesServices { get; }

    /// <summary>How long pod sandboxes took to set up and to tear down.</summary>
    public NetworkTimings SetupTimes { get; } = new();

    public NetworkTimings TeardownTimes { get; } = new();

    /// <summary>How long rewriting the Service rules took, each time they changed.</summary>
    public NetworkTimings RuleReloadTimes { get; } = new();

    /// <summary>The name of one of this node's iptables chains.</summary>
    public string Chain(string name) => $"DEVCLUSTER-{Slot.ToString(CultureInfo.InvariantCulture)}-{name}";

    /// <summary>Why pods cannot have network namespaces here, or null when they can.</summary>
    public static string? Unavailable() =>
        !Environment.IsPrivilegedProcess ? "the node does not run as root"
        : !HostCommand.Exists("ip") ? "iproute2's ip is not installed"
        : null;

    /// <summary>Removes what dead nodes left behind, claims a slot and sets up its bridge, routes and iptables hooks.</summary>
    public static async Task<NodeNetwork> StartAsync(CancellationToken ct)
    {
        var routesServices = HostCommand.Exists("iptables-restore") && HostCommand.Exists("iptables-save");
        await RemoveLeftoversAsync(routesServices);
        var slot = NodeNetworkSlot.Claim();
        var network = new NodeNetwork(slot, routesServices);
        try
        {
            await network.SetUpAsync(ct);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new pod's sandbox: its own network namespace with an address of the pod range.</summary>
    public async Task<PodSandbox> CreateSandboxAsync(CancellationToken ct)
    {
        int host;
        lock (_gate)
        {
            host = Array.FindIndex(_leased, 2, 253, leased => !leased);
            if (host < 0)
            {
                throw new NetworkSetupException($"no free address left in {PodCidr}");
            }

            _leased[host] = true;
        }

        try
        {
            return await PodSandbox.CreateAsync(this, host, ct);
        }
        catch
        {
            Release(host);
            throw;
        }
    }

    /// <summary>
    /// Makes the bridge (address, Service route, forwarding) when it is not there (at start, or after something removed
    /// it), with the veths of the node's running pods enslaved to it again.
    /// </summary>
    public async Task EnsureBridgeAsync(CancellationToken ct)
    {
        if (Directory.Exists(Path.Combine(SysNet, Bridge)))
        {
            return;
        }

        var veths = Names(SysNet).Where(name => name.StartsWith($"{PodSandbox.VethPrefix}{Slot.ToString(CultureInfo.InvariantCulture)}p", StringComparison.Ordinal));
        await HostCommand.RunAsync("ip", ["-batch", "-"], $"""
            link add {Bridge} type bridge
            addr add {Gateway}/{PodCidr.PrefixLength} dev {Bridge}
            link set {Bridge} up
            route add {ServiceCidr} dev {Bridge} src {Gateway}
            {string.Concat(veths.Select(veth => $"link set {veth} master {Bridge}\nlink set {veth} type bridge_slave hairpin on\n"))}
            """, ct);

        // Forwarding on the bridge alone (not the host's ip_forward): a pod's packet to a ClusterIP, DNATed to another pod, goes back out of it.
        await File.WriteAllTextAsync(Path.Combine("/proc/sys/net/ipv4/conf", Bridge, "forwarding"), "1", ct);
    }

    /// <summary>Frees a deleted sandbox's address.</summary>
    public void Release(int host)
    {
        lock (_gate)
        {
            _leased[host] = false;
        }
    }

    /// <summary>Removes every sandbox, route, chain and the bridge of this node, then gives up its slot.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await RemoveSlotAsync(Slot, RoutesServices ? await HostCommand.RunAsync("iptables-save", []) : null);
        }
        catch (NetworkSetupException)
        {
            // What could not be removed now is removed by the slot's next owner.
        }
        finally
        {
            _slot.Dispose();
        }
    }

    private async Task SetUpAsync(CancellationToken ct)
    {
        // A dead owner of this slot may have left its things (its leftovers were not removable while we raced for it).
        await RemoveSlotAsync(Slot, RoutesServices ? await HostCommand.RunAsync("iptables-save", [], ct: ct) : null);
        await EnsureBridgeAsync(ct);
        if (!RoutesServices)
        {
            return;
        }

        // The hooks into the built-in chains; ServiceProxy refills the SERVICES chains as Services and endpoints change.
        // Pod to ClusterIP to pod is masqueraded so the reply comes back through the host's conntrack (also for a pod reaching itself).
        var services = Chain("SERVICES");
        await HostCommand.RunAsync("iptables-restore", ["--noflush", "-w", "5"], $"""
            *nat
            :{services} - [0:0]
            :{Chain("POSTROUTING")} - [0:0]
            -I PREROUTING 1 -i {Bridge} -d {ServiceCidr} -j {services}
            -I OUTPUT 1 -d {ServiceCidr} -j {services}
            -I POSTROUTING 1 -j {Chain("POSTROUTING")}
            -A {Chain("POSTROUTING")} -s {PodCidr} -d {PodCidr} -m conntrack --ctstate DNAT -j MASQUERADE
            COMMIT
            *filter
            :{services} - [0:0]
            :{Chain("FORWARD")} - [0:0]
            -I OUTPUT 1 -d {ServiceCidr} -j {services}
            -I FORWARD 1 -j {Chain("FORWARD")}
            -A {Chain("FORWARD")} -d {ServiceCidr} -j {services}
            -A {Chain("FORWARD")} -i {Bridge} -o {Bridge} -j ACCEPT
            COMMIT

            """, ct);
    }

    // Slots some node's things are named for, whose owner is gone (their lock is free): removed under that lock.
    private static async Task RemoveLeftoversAsync(bool routesServices)
    {
        var dump = routesServices ? await HostCommand.RunAsync("iptables-save", []) : null;
        var names = Names(NetnsDirectory).Concat(Names(SysNet)).Concat(dump is null ? [] : ChainNames().Matches(dump).Select(m => m.Value));
        var slots = names.Select(name => SlotOf().Match(name)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups.Values.Skip(1).First(g => g.Success).Value, CultureInfo.InvariantCulture)).Distinct();
        foreach (var n in slots.Where(n => n < NodeNetworkSlot.Count))
        {
            using var slot = NodeNetworkSlot.TryClaim(n);
            if (slot is not null)
            {
                await RemoveSlotAsync(n, dump);
            }
        }
    }

    // `ip netns pids` names every process whose network namespace is this one: the orphaned containers of a dead node.
    private static async Task KillProcessesInAsync(string netns)
    {
        string pids;
        try
        {
            pids = await HostCommand.RunAsync("ip", ["netns", "pids", netns]);
        }
        catch (NetworkSetupException)
        {
            return;
        }

        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or System.ComponentModel.Win32Exception)
            {
                // Gone already, or not a process id.
            }
        }
    }

    private static IEnumerable<string> Names(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>() : [];

    // Everything named for slot n: the processes still running in its network namespaces (a node killed with SIGKILL
    // could not stop its pods), the namespaces (their veths go with them), veths, the bridge (its routes go with it) and
    // the iptables chains with the rules that jump to them.
    private static async Task RemoveSlotAsync(int n, string? iptablesDump)
    {
        var slot = n.ToString(CultureInfo.InvariantCulture);
        foreach (var netns in Names(NetnsDirectory).Where(name => name.StartsWith($"{PodSandbox.NamePrefix}{slot}-", StringComparison.Ordinal)))
        {
            await KillProcessesInAsync(netns);
            await HostCommand.TryRunAsync("ip", ["netns", "delete", netns]);
        }

        foreach (var link in Names(SysNet).Where(name => name == $"dcbr{slot}" || name.StartsWith($"{PodSandbox.VethPrefix}{slot}p", StringComparison.Ordinal)))
        {
            await HostCommand.TryRunAsync("ip", ["link", "delete", link]);
        }

        if (iptablesDump is not null && RemovalScript(iptablesDump, $"DEVCLUSTER-{slot}-") is { } script)
        {
            await HostCommand.RunAsync("iptables-restore", ["--noflush", "-w", "5"], script);
        }
    }

    // From iptables-save's output: per table, delete the rules jumping to the slot's chains, then flush and delete those chains.
    private static string? RemovalScript(string dump, string prefix)
    {
        var script = new StringBuilder();
        string? table = null;
        List<string> jumps = [], chains = [];
        foreach (var line in dump.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                (table, jumps, chains) = (line[1..], [], []);
            }
            else if (line.StartsWith(":" + prefix, StringComparison.Ordinal))
            {
                chains.Add(line[1..line.IndexOf(' ', StringComparison.Ordinal)]);
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal) && !line.StartsWith("-A " + prefix, StringComparison.Ordinal) && line.Contains("-j " + prefix, StringComparison.Ordinal))
            {
                jumps.Add("-D " + line[3..]);
            }
            else if (line == "COMMIT" && table is not null && chains.Count > 0)
            {
                script.Append('*').Append(table).Append('\n');
                jumps.ForEach(j => script.Append(j).Append('\n'));
                chains.ForEach(c => script.Append("-F ").Append(c).Append('\n'));
                chains.ForEach(c => script.Append("-X ").Append(c).Append('\n'));
                script.Append("COMMIT\n");
            }
        }

        return script.Length == 0 ? null : script.ToString();
    }

    [GeneratedRegex(@"^:DEVCLUSTER-\d+-", RegexOptions.Multiline)]
    private static partial Regex ChainNames();

    [GeneratedRegex(@"^(?:devcluster-(\d+)-|dcbr(\d+)$|dcv(\d+)p|:DEVCLUSTER-(\d+)-)")]
    private static partial Regex SlotOf();
}
