using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// TCP sockets made inside a pod's network namespace, as containerd's port-forward dials from within the sandbox: a
/// socket belongs to the namespace of the thread that made it, for its whole life, wherever it is used after. The
/// socket is made on a thread of its own that joins the namespace (setns) and then ends, so no thread of the pool ever
/// changes namespace.
/// </summary>
internal static partial class NetworkNamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>A TCP socket in the namespace at <paramref name="path"/> (e.g. /run/netns/NAME); in the node's own when null.</summary>
    public static Task<Socket> CreateAsync(string? path, AddressFamily family)
    {
        if (path is null)
        {
            return Task.FromResult(NewSocket(family));
        }

        var made = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                if (SetNs(handle.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                {
                    throw new IOException($"cannot enter the network namespace {path}: {Marshal.GetLastPInvokeErrorMessage()}");
                }

                made.SetResult(NewSocket(family));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or SocketException)
            {
                made.SetException(exception);
            }
        })
        { IsBackground = true, Name = "pod netns socket" };
        thread.Start();
        return made.Task;
    }

    private static Socket NewSocket(AddressFamily family) => new(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
