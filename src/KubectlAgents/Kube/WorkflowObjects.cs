using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using k8s;
using k8s.Models;

namespace AgentOperator.KubectlAgents.Kube;

/// <summary>
/// The objects the operator made for a workflow, read as the user: the Deployments it controls (one per live revision,
/// told apart by their <see cref="RevisionObjects.RevisionAnnotation"/>), their pods (by each Deployment's own selector)
/// and the canary's evaluation Job named in status.
/// </summary>
public sealed class WorkflowObjects(KubeSession session)
{
    /// <summary>One revision's Deployment and pods.</summary>
    public sealed record RevisionWorkload(string Revision, V1Deployment Deployment, IReadOnlyList<V1Pod> Pods);

    public async Task<IReadOnlyList<RevisionWorkload>> WorkloadsAsync(AgentWorkflow workflow, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var ns = workflow.Metadata.NamespaceProperty;
        var deployments = await ApiErrors.Run(() => session.Client.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: ct), "deployments");
        List<RevisionWorkload> workloads = [];
        foreach (var deployment in deployments.Items.Where(d => d.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == workflow.Metadata.Uid) == true)
                     .OrderBy(d => d.Metadata.Name, StringComparer.Ordinal))
        {
            var revision = deployment.Metadata.Annotations?.TryGetValue(RevisionObjects.RevisionAnnotation, out var r) == true ? r : deployment.Metadata.Name;
            var labels = deployment.Spec?.Selector?.MatchLabels;
            var pods = labels is { Count: > 0 }
                ? (await ApiErrors.Run(() => session.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: string.Join(",", labels.Select(l => $"{l.Key}={l.Value}")), cancellationToken: ct), "pods")).Items
                : [];
            workloads.Add(new RevisionWorkload(revision, deployment, [.. pods.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)]));
        }

        return workloads;
    }

    /// <summary>The evaluation Job status names, or null when there is none (any more).</summary>
    public async Task<V1Job?> EvaluationJobAsync(AgentWorkflow workflow, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        if (workflow.Status?.Evaluation?.Job is not { Length: > 0 } name)
        {
            return null;
        }

        var jobs = await ApiErrors.Run(
            () => session.Client.BatchV1.ListNamespacedJobAsync(workflow.Metadata.NamespaceProperty, fieldSelector: $"metadata.name={name}", cancellationToken: ct), "jobs");
        return jobs.Items.FirstOrDefault();
    }
}
