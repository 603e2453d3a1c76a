using System.Globalization;
using AgentOperator.Contracts;
using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;

namespace AgentOperator.DevMode.Gateways;

/// <summary>
/// The gateways to scrape, chosen as config/prometheus's PodMonitor chooses them: running pods with the
/// <c>agentoperator.io/workflow</c> label and a container port named <c>metrics</c>, at their pod IP.
/// </summary>
internal static class GatewayPods
{
    public static async Task<IReadOnlyList<GatewayPod>> ListAsync(IKubernetes admin, CancellationToken ct)
    {
        var pods = await admin.CoreV1.ListPodForAllNamespacesAsync(labelSelector: ChildLabels.Workflow, cancellationToken: ct);
        return [.. pods.Items.Select(Of).OfType<GatewayPod>()];
    }

    private static GatewayPod? Of(V1Pod pod)
    {
        var port = pod.Spec?.Containers?.SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == GatewayPodLayout.MetricsPortName);
        if (port is null || pod.Metadata.DeletionTimestamp is not null || pod.Status?.Phase != "Running" || string.IsNullOrEmpty(pod.Status.PodIP))
        {
            return null;
        }

        var labels = pod.Metadata.Labels ?? new Dictionary<string, string>();
        return new GatewayPod(
            pod.Metadata.NamespaceProperty ?? "",
            pod.Metadata.Name ?? "",
            labels[ChildLabels.Workflow],
            labels.TryGetValue(ChildLabels.Revision, out var revision) ? revision : null,
            new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{pod.Status.PodIP}:{port.ContainerPort}/")));
    }
}
