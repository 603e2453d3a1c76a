using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.RunHealth;
using AgentOperator.Operator.Provisioning;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Traffic;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// Builds the AgentWorkflow controller on the shared informers: AgentWorkflows through
/// <see cref="SpecOrMetadataChangedPredicate{T}"/> (our own status writes do not wake it), every owned child kind
/// mapped to its controlling workflow, and AgentTools mapped to every workflow of their namespace that binds them.
/// </summary>
internal static class AgentWorkflowController
{
    public const string Name = "agentworkflow";

    /// <summary>
    /// Creates the controller and its informers; tests pass <paramref name="wrap"/> to decorate the reconciler (e.g. count
    /// reconciles) and <paramref name="analysis"/> to point canary analysis at a local Prometheus or aggregator.
    /// </summary>
    public static Controller<AgentWorkflow> Create(
        SharedInformerFactory informers,
        IKubernetes client,
        ProvisioningOptions provisioning,
        ControllerOptions options,
        ControllerMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggers,
        Func<IReconciler<AgentWorkflow>, IReconciler<AgentWorkflow>>? wrap = null,
        AnalysisOptions? analysis = null)
    {
        var workflows = informers.GetOrCreate<AgentWorkflow>();
        var tools = informers.GetOrCreate<AgentTool>();
        var serviceAccounts = informers.GetOrCreate<V1ServiceAccount>();
        var roles = informers.GetOrCreate<V1Role>();
        var roleBindings = informers.GetOrCreate<V1RoleBinding>();
        var configMaps = informers.GetOrCreate<V1ConfigMap>();
        var deployments = informers.GetOrCreate<V1Deployment>();
        var services = informers.GetOrCreate<V1Service>();
        var networkPolicies = informers.GetOrCreate<V1NetworkPolicy>();
        var jobs = informers.GetOrCreate<V1Job>();
        var caches = new WorkflowCaches(
            workflows.Cache, tools.Cache, serviceAccounts.Cache, roles.Cache, roleBindings.Cache,
            configMaps.Cache, deployments.Cache, services.Cache, networkPolicies.Cache, jobs.Cache);

        analysis ??= new AnalysisOptions();
        var providers = new MetricAnalysisProviderFactory(AnalysisHttp, analysis, time);
        var analyzer = new CanaryAnalyzer(providers, time, loggers.CreateLogger<CanaryAnalyzer>());
        var events = new WorkflowEventRecorder(client, time, loggers.CreateLogger<WorkflowEventRecorder>());
        IReconciler<AgentWorkflow> reconciler = new AgentWorkflowReconciler(
            client, caches, provisioning, events,
            new TrafficRoutingProviders(client), analyzer, new WorkflowMetrics(metrics.Registry),
            new RunHealthObserver(providers, analysis, events), time, loggers.CreateLogger<AgentWorkflowReconciler>());
        if (wrap is not null)
        {
            reconciler = wrap(reconciler);
        }

        var controller = new Controller<AgentWorkflow>(
            Name, workflows, SpecOrMetadataChangedPredicate<AgentWorkflow>.Instance, reconciler, options, metrics, time,
            loggers.CreateLogger<Controller<AgentWorkflow>>());
        controller.WatchOwned(serviceAccounts);
        controller.WatchOwned(roles);
        controller.WatchOwned(roleBindings);
        controller.WatchOwned(configMaps);
        controller.WatchOwned(deployments);
        controller.WatchOwned(services);
        controller.WatchOwned(networkPolicies);
        controller.WatchOwned(jobs);
        controller.Watch(tools, change => WorkflowsBinding(workflows.Cache, change));
        return controller;
    }

    /// <summary>One client for every analysis query; each provider applies the spec's timeout per request.</summary>
    private static HttpClient AnalysisHttp { get; } = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The workflows of the tool's namespace whose spec.tools name it (its old name too, after a rename).</summary>
    public static IEnumerable<ObjectKey> WorkflowsBinding(IObjectCache<AgentWorkflow> workflows, InformerEvent<AgentTool> change)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (change.Object.Spec?.Name is { } name)
        {
            names.Add(name);
        }

        if (change.Old?.Spec?.Name is { } oldName)
        {
            names.Add(oldName);
        }

        return workflows.List(change.Object.Metadata.NamespaceProperty)
            .Where(w => w.Spec?.Tools.Any(t => names.Contains(t.Name)) == true)
            .Select(ObjectKey.Of);
    }
}
