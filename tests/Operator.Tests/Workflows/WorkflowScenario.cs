using AgentOperator.Crds.V1Alpha1;
using AgentOperator.TestSupport;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>Steps the integration tests share: apply, wait for a status, read Events, all against the API server.</summary>
internal static class WorkflowScenario
{
    public static Task<AgentWorkflow> WaitAsync(IKubernetes client, string ns, string name, Func<AgentWorkflow, bool> done, string what, TimeSpan? timeout = null) =>
        Within.UntilAsync(() => WorkflowManifests.GetAsync(client, ns, name), done, WorkflowManifests.Describe, what, timeout);

    public static Task<AgentWorkflow> WaitReadyAsync(IKubernetes client, string ns, string name, TimeSpan? timeout = null) =>
        WaitAsync(client, ns, name, WorkflowManifests.IsReady, $"AgentWorkflow {ns}/{name} Ready at its current generation", timeout);

    public static async Task<AgentWorkflow> CreateReadyAsync(IKubernetes client, string ns, string name, AgentWorkflowSpec? spec = null, TimeSpan? timeout = null)
    {
        await WorkflowManifests.CreateAsync(client, WorkflowManifests.Workflow(ns, name, spec));
        return await WaitReadyAsync(client, ns, name, timeout);
    }

    public static async Task<IReadOnlyList<string>> EventReasonsAsync(IKubernetes client, string ns, string name) =>
        [.. (await client.CoreV1.ListNamespacedEventAsync(ns)).Items.Where(e => e.InvolvedObject?.Name == name && e.InvolvedObject.Kind == AgentWorkflow.KubeKind).Select(e => e.Reason)];

    public static async Task<IReadOnlyList<Corev1Event>> EventsAsync(IKubernetes client, string ns, string name) =>
        [.. (await client.CoreV1.ListNamespacedEventAsync(ns)).Items.Where(e => e.InvolvedObject?.Name == name)];

    public static async Task<bool> ExistsAsync(IKubernetes client, string ns, string name)
    {
        try
        {
            await WorkflowManifests.GetAsync(client, ns, name);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>The writes of <paramref name="requests"/> that touched <paramref name="ns"/> (other tests' namespaces excluded).</summary>
    public static IReadOnlyList<string> WritesIn(ApiRequestLog requests, string ns) =>
        [.. requests.Writes.Where(w => w.Contains($"/namespaces/{ns}/", StringComparison.Ordinal))];
}
