using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// The workflow's Services. There are always exactly three, whatever the traffic provider:
/// <list type="bullet">
/// <item><c>{workflow}</c> selects every pod of the workflow: with <c>replicas</c> routing, the replica
/// ratio of the revisions behind it is the traffic split. It also carries the gateways' metrics port, for
/// a ServiceMonitor.</item>
/// <item><c>{workflow}-stable</c> selects only the stable revision's pods: the stable backendRef of a
/// Gateway API HTTPRoute.</item>
/// <item><c>{workflow}-canary</c> selects only the canary revision's pods (the stable one's when there is no
/// canary, so a weight-0 backendRef still resolves, as Argo Rollouts does): the canary backendRef, and what
/// the eval Job calls before the canary gets any traffic.</item>
/// </list>
/// Revision ids are hex hashes, so the suffixes never collide with a per-revision name. Every Service
/// targets the named port <c>http</c>, so revisions with different runtime ports can serve side by side.
/// </summary>
public static class ServiceBuilder
{
    /// <summary>Port of the <c>http</c> Service port: spec.rollout.trafficRouting.gatewayAPI.port, else 80.</summary>
    public static int ServicePort(AgentWorkflow workflow) =>
        workflow.Spec.Rollout?.TrafficRouting.GatewayAPI?.Port ?? 80;

    /// <summary>The three Services, in the order workflow, stable, canary.</summary>
    public static IReadOnlyList<V1Service> Build(AgentWorkflow workflow, string stableRevision, string? canaryRevision, ProvisioningOptions options)
    {
        var name = workflow.Metadata.Name ?? throw new ArgumentException("the AgentWorkflow has no name", nameof(workflow));
        var http = new V1ServicePort
        {
            Name = GatewayPodLayout.AgentPortName,
            Port = ServicePort(workflow),
            TargetPort = GatewayPodLayout.AgentPortName,
            Protocol = "TCP",
        };
        var metrics = new V1ServicePort
        {
            Name = GatewayPodLayout.MetricsPortName,
            Port = options.GatewayMetricsPort,
            TargetPort = GatewayPodLayout.MetricsPortName,
            Protocol = "TCP",
        };

        return
        [
            Service(workflow, ChildNames.WorkflowService(name), ChildLabels.WorkflowSelector(name), [http, metrics]),
            Service(workflow, ChildNames.StableService(name), ChildLabels.RevisionSelector(name, stableRevision), [http]),
            Service(workflow, ChildNames.CanaryService(name), ChildLabels.RevisionSelector(name, canaryRevision ?? stableRevision), [http]),
        ];
    }

    private static V1Service Service(AgentWorkflow workflow, string name, Dictionary<string, string> selector, List<V1ServicePort> ports) => new()
    {
        ApiVersion = "v1",
        Kind = V1Service.KubeKind,
        Metadata = ChildMetadata.ForWorkflow(workflow, name),
        Spec = new() { Type = "ClusterIP", Selector = selector, Ports = ports },
    };
}
