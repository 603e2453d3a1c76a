using System.Text;

namespace AgentOperator.DevCluster.Storage;

/// <summary>One committed change, in revision order. <see cref="Previous"/> lets a filtered watch turn a change that
/// moves an object out of its selector into DELETED, as kube-apiserver's watch cache does.</summary>
internal sealed record StoreEvent(WatchEventType Type, GroupResource Resource, StoredObject Object, StoredObject? Previous)
{
    private byte[]? _line;

    public long ResourceVersion => Object.ResourceVersion;

    /// <summary>
    /// The watch line <c>{"type":…,"object":…}\n</c> for the stored form, serialized once and shared by every
    /// watcher that needs exactly this (the common case), which keeps fan-out cheap.
    /// </summary>
    public byte[] WatchLine(WatchEventType type)
    {
        if (type == Type && _line is { } cached)
        {
            return cached;
        }

        var line = Compose(type, Object.Json);
        if (type == Type)
        {
            _line = line;
        }

        return line;
    }

    public static byte[] Compose(WatchEventType type, byte[] objectJson)
    {
        var prefix = Encoding.UTF8.GetBytes($"{{\"type\":\"{type.ToString().ToUpperInvariant()}\",\"object\":");
        var line = new byte[prefix.Length + objectJson.Length + 2];
        prefix.CopyTo(line, 0);
        objectJson.CopyTo(line, prefix.Length);
        line[^2] = (byte)'}';
        line[^1] = (byte)'\n';
        return line;
    }
}
