using System.Globalization;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// A node's claim on one of the 256 network slots of this machine (slot N: pods in 10.244.N.0/24, Services in the N-th
/// /20 of 10.96.0.0/12, bridge <c>dcbrN</c>), held as an exclusive lock on <c>/run/devcluster-node/10.244.N.lock</c> for
/// the node's lifetime, so nodes in parallel test processes never share one. The kernel drops the lock when its owner
/// dies, so a dead owner's slot is free again; what it left behind is removed by the next owner.
/// </summary>
internal sealed class NodeNetworkSlot : IDisposable
{
    public const int Count = 256;
    private const string LockDirectory = "/run/devcluster-node";
    private readonly FileStream _lock;

    private NodeNetworkSlot(int number, FileStream held)
    {
        Number = number;
        _lock = held;
    }

    public int Number { get; }

    /// <summary>The first free slot, or <see cref="NetworkSetupException"/> when all are held.</summary>
    public static NodeNetworkSlot Claim()
    {
        for (var n = 0; n < Count; n++)
        {
            if (TryClaim(n) is { } slot)
            {
                return slot;
            }
        }

        throw new NetworkSetupException($"all {Count} node network slots in {LockDirectory} are held by running nodes");
    }

    /// <summary>Slot <paramref name="n"/>, or null while a live node holds it.</summary>
    public static NodeNetworkSlot? TryClaim(int n)
    {
        Directory.CreateDirectory(LockDirectory);
        FileStream held;
        try
        {
            // FileShare.None is an exclusive flock on Linux, per open file: a second claim in the same process fails too.
            held = new FileStream(Path.Combine(LockDirectory, $"10.244.{n.ToString(CultureInfo.InvariantCulture)}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }

        // The owner's PID, for whoever looks at the folder; the lock itself is what counts.
        held.SetLength(0);
        using (var writer = new StreamWriter(held, leaveOpen: true))
        {
            writer.Write(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        }

        return new NodeNetworkSlot(n, held);
    }

    public void Dispose() => _lock.Dispose();
}
