using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// kube-controller-manager's root-ca-cert-publisher: every active namespace holds the ConfigMap
/// <c>kube-root-ca.crt</c> whose <c>ca.crt</c> is the PEM that verifies the API server, with the one
/// description annotation. A deleted one is recreated; an edited one has its data and annotation put back.
/// </summary>
internal sealed class RootCaPublisher(ResourceOperations ops, string caPem, ILogger<RootCaPublisher> logger) : EventLoopController(ops.Store, logger)
{
    /// <summary>The ConfigMap's name (RootCACertConfigMapName).</summary>
    public const string ConfigMapName = "kube-root-ca.crt";

    private const string DescriptionAnnotation = "kubernetes.io/description";
    private const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";
    private static readonly GroupResource Namespaces = new("", "namespaces");
    private static readonly GroupResource ConfigMaps = new("", "configmaps");
    private static readonly WriteOptions Writer = new("kube-controller-manager");

    protected override Task StartAsync(CancellationToken ct)
    {
        foreach (var ns in Store.List(Namespaces, null, null).Items)
        {
            Publish(ns.Name);
        }

        return Task.CompletedTask;
    }

    protected override bool Wants(GroupResource resource) => resource == Namespaces || resource == ConfigMaps;

    protected override Task HandleAsync(StoreEvent e, CancellationToken ct)
    {
        if (e.Resource == Namespaces && e.Type != WatchEventType.Deleted && !e.Object.Deleting)
        {
            Publish(e.Object.Name);
        }
        else if (e.Resource == ConfigMaps && e.Object.Name == ConfigMapName && e.Type != WatchEventType.Added)
        {
            Publish(e.Object.Namespace);
        }

        return Task.CompletedTask;
    }

    private void Publish(string ns)
    {
        var type = ops.Registry.ForStorage(ConfigMaps)!;
        try
        {
            if (ops.TryGet(type, ns, ConfigMapName) is null)
            {
                ops.Create(type, ns, new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = ConfigMapName,
                        ["annotations"] = new JsonObject { [DescriptionAnnotation] = Description },
                    },
                    ["data"] = Data(),
                }, Writer);
                return;
            }

            ops.GuaranteedUpdate(type, ns, ConfigMapName, null, Writer, live =>
            {
                live["data"] = Data();
                live.Metadata().Obj("annotations")[DescriptionAnnotation] = Description;
                return live;
            });
        }
        catch (ApiException e) when (e.Code is 409 or 403 or 404)
        {
            // Created meanwhile (its event brings us back), namespace terminating or gone: nothing to publish.
        }
    }

    private JsonObject Data() => new() { ["ca.crt"] = caPem };
}
