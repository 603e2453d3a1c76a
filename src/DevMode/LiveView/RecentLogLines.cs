using System.Collections.Concurrent;

namespace AgentOperator.DevMode.LiveView;

/// <summary>Keeps dev mode's last messages (stand-ins created, Prometheus targets failing) for the live view, which owns the console.</summary>
internal sealed class RecentLogLines(int capacity = 6)
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity)
        {
            _lines.TryDequeue(out _);
        }
    }
}
