namespace AgentOperator.DevMode.LiveView;

/// <summary>
/// The non-interactive view (<c>--no-ui</c>, CI): one log line per change of a workflow's status or a pod's phase,
/// one per new Event, and the gateways' traffic every <see cref="TrafficEvery"/>.
/// </summary>
internal sealed class PlainProgressLog(TextWriter output, TimeProvider time)
{
    public static readonly TimeSpan TrafficEvery = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, string> _workflows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _pods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _events = new(StringComparer.Ordinal);
    private DateTimeOffset _lastTraffic = DateTimeOffset.MinValue;
    private string? _lastError;
    private RecentLogLines? _live;

    public async Task ReportAsync(ClusterSnapshot snapshot)
    {
        if (snapshot.Error is { } error)
        {
            if (error != _lastError)
            {
                await WriteAsync($"error reading the cluster: {error}");
            }

            _lastError = error;
            return;
        }

        _lastError = null;
        foreach (var workflow in snapshot.Workflows)
        {
            var line = $"phase {workflow.Phase}, generation {workflow.Generation} (observed {workflow.ObservedGeneration?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—"}), " +
                $"stable {workflow.StableRevision ?? "—"}{(workflow.CanaryRevision is { } canary ? $", canary {canary} at {workflow.CanaryWeight}%" : "")}; " +
                string.Join(" ", workflow.Conditions.Select(c => $"{c.Type}={c.Status}{(c.Reason is null ? "" : $"({c.Reason})")}"));
            if (Changed(_workflows, $"{workflow.Namespace}/{workflow.Name}", line))
            {
                await WriteAsync($"agentworkflow {workflow.Namespace}/{workflow.Name}: {line}");
            }
        }

        foreach (var pod in snapshot.Pods)
        {
            var line = $"{pod.Phase}{(pod.Ready ? ", ready" : "")}{(pod.PodIp is null ? "" : $", ip {pod.PodIp}")}{(pod.Restarts == 0 ? "" : $", {pod.Restarts} restarts")}";
            if (Changed(_pods, $"{pod.Namespace}/{pod.Name}", line))
            {
                await WriteAsync($"pod {pod.Namespace}/{pod.Name}: {line}{(pod.Revision is null ? "" : $" (workflow {pod.Workflow}, revision {pod.Revision})")}");
            }
        }

        foreach (var e in snapshot.Events.Reverse().Where(e => _events.Add(e.Uid)))
        {
            await WriteAsync($"event {e.Namespace} {e.Object} {e.Type} {e.Reason}: {e.Message}");
        }

        if (time.GetUtcNow() - _lastTraffic >= TrafficEvery && snapshot.Traffic.Count > 0)
        {
            _lastTraffic = time.GetUtcNow();
            foreach (var row in snapshot.Traffic)
            {
                await WriteAsync("traffic " + TrafficSummary.Line(row));
            }
        }
    }

    public Task WriteAsync(string line)
    {
        var stamped = $"{time.GetLocalNow():HH:mm:ss} {line}";
        if (_live is { } live)
        {
            live.Add(stamped);
            return Task.CompletedTask;
        }

        return output.WriteLineAsync(stamped);
    }

    /// <summary>From now on lines go to <paramref name="live"/>, shown by the live view, which owns the console.</summary>
    public void SendTo(RecentLogLines live) => _live = live;

    private static bool Changed(Dictionary<string, string> last, string key, string value)
    {
        if (last.TryGetValue(key, out var previous) && previous == value)
        {
            return false;
        }

        last[key] = value;
        return true;
    }
}
