using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOperator.DevMode.Gateways;
using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;

namespace AgentOperator.DevMode.LiveView;

/// <summary>Reads what dev mode shows: workflows, pods and Events through the API, traffic from each gateway pod's /metrics.</summary>
internal sealed class ClusterObserver(IKubernetes admin, HttpClient http)
{
    /// <summary>Events shown.</summary>
    public const int RecentEvents = 10;

    public async Task<ClusterSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        try
        {
            var workflows = await WorkflowsAsync(cancellationToken);
            var pods = await admin.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cancellationToken);
            var events = await admin.CoreV1.ListEventForAllNamespacesAsync(cancellationToken: cancellationToken);
            var traffic = await TrafficAsync(cancellationToken);
            return new ClusterSnapshot(
                workflows,
                [.. pods.Items.Select(Pod).OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal)],
                [.. events.Items.Select(Event).OrderByDescending(e => e.Time).Take(RecentEvents)],
                traffic,
                null);
        }
        catch (Exception exception) when (exception is HttpRequestException or k8s.Autorest.HttpOperationException or JsonException
            || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A slow API server (an HTTP timeout) is shown like an unreachable one: the view goes on.
            return new ClusterSnapshot([], [], [], [], exception.Message);
        }
    }

    private async Task<IReadOnlyList<WorkflowRow>> WorkflowsAsync(CancellationToken cancellationToken)
    {
        var list = await admin.CustomObjects.ListClusterCustomObjectAsync("agentoperator.io", "v1alpha1", "agentworkflows", cancellationToken: cancellationToken);
        var items = JsonSerializer.SerializeToNode(list)?["items"] as JsonArray ?? [];
        return [.. items.OfType<JsonObject>().Select(w =>
        {
            var status = w["status"];
            var conditions = (status?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(c => (Json.Text(c, "type") ?? "?", Json.Text(c, "status") ?? "?", Json.Text(c, "reason")))
                .ToList();
            return new WorkflowRow(
                Json.Text(w, "metadata", "namespace") ?? "",
                Json.Text(w, "metadata", "name") ?? "",
                Json.Text(status, "phase") ?? "—",
                Json.Number(w, "metadata", "generation") ?? 0,
                Json.Number(status, "observedGeneration"),
                Json.Text(status, "stableRevision"),
                Json.Text(status, "canaryRevision"),
                Json.Number(status, "canaryWeight"),
                conditions);
        }).OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Name, StringComparer.Ordinal)];
    }

    private static PodRow Pod(V1Pod pod)
    {
        IDictionary<string, string> labels = pod.Metadata.Labels ?? new Dictionary<string, string>();
        return new PodRow(
            pod.Metadata.NamespaceProperty ?? "",
            pod.Metadata.Name ?? "",
            pod.Metadata.DeletionTimestamp is null ? pod.Status?.Phase ?? "Pending" : "Terminating",
            pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
            labels.TryGetValue(ChildLabels.Workflow, out var workflow) ? workflow : null,
            labels.TryGetValue(ChildLabels.Revision, out var revision) ? revision : null,
            string.IsNullOrEmpty(pod.Status?.PodIP) ? null : pod.Status.PodIP,
            pod.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0);
    }

    private static EventRow Event(Corev1Event e)
    {
        var time = e.EventTime ?? e.LastTimestamp ?? e.FirstTimestamp ?? e.Metadata.CreationTimestamp ?? DateTime.UnixEpoch;
        return new EventRow(
            e.Metadata.Uid ?? $"{e.Metadata.NamespaceProperty}/{e.Metadata.Name}",
            new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
            e.Metadata.NamespaceProperty ?? "",
            $"{e.InvolvedObject?.Kind?.ToLowerInvariant()}/{e.InvolvedObject?.Name}",
            e.Type ?? "Normal",
            e.Reason ?? "",
            e.Message ?? "");
    }

    private async Task<IReadOnlyList<TrafficRow>> TrafficAsync(CancellationToken cancellationToken)
    {
        var gateways = await GatewayPods.ListAsync(admin, cancellationToken);
        var scrapes = await Task.WhenAll(gateways.Select(async g =>
        {
            try
            {
                return PrometheusSample.Parse(await http.GetStringAsync(new Uri(g.MetricsAddress, "/metrics"), cancellationToken)).ToList();
            }
            catch (HttpRequestException)
            {
                return []; // the pod is stopping
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return []; // the gateway did not answer within the client's timeout: a loaded machine
            }
        }));

        return [.. scrapes.SelectMany(s => s)
            .Where(s => s.Name.StartsWith("agent_", StringComparison.Ordinal) && s.Labels.ContainsKey("workflow"))
            .GroupBy(s => (Workflow: s.Label("workflow"), Revision: s.Label("revision")))
            .Select(g => new TrafficRow(
                g.Key.Workflow,
                g.Key.Revision,
                gateways.Count(e => e.Workflow == g.Key.Workflow && e.Revision == g.Key.Revision),
                Sum(g, "agent_runs_total", "outcome"),
                Sum(g, "agent_tool_calls_total", "decision"),
                g.Where(s => s.Name == "agent_tokens_total").Sum(s => s.Value),
                g.Where(s => s.Name == "agent_cost_usd_total").Sum(s => s.Value)))
            .OrderBy(t => t.Workflow, StringComparer.Ordinal).ThenBy(t => t.Revision, StringComparer.Ordinal)];
    }

    private static Dictionary<string, double> Sum(IEnumerable<PrometheusSample> samples, string name, string label) =>
        samples.Where(s => s.Name == name).GroupBy(s => s.Label(label)).ToDictionary(g => g.Key, g => g.Sum(s => s.Value), StringComparer.Ordinal);
}
