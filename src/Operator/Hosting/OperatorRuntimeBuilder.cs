using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOperator.Operator.Hosting;

/// <summary>Registers controllers with the operator host.</summary>
internal sealed class OperatorRuntimeBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;

    /// <summary>
    /// Adds a controller of <typeparamref name="T"/> reconciled by <typeparamref name="TReconciler"/> (a singleton;
    /// register an instance first to supply your own). The caches of <typeparamref name="T"/> and of every owned or
    /// watched kind become injectable as <see cref="IObjectCache{TValue}"/>.
    /// <code>
    /// runtime.AddController&lt;AgentWorkflow, AgentWorkflowReconciler&gt;(c => c.Owns&lt;V1Deployment&gt;().Owns&lt;V1ConfigMap&gt;());
    /// </code>
    /// </summary>
    public OperatorRuntimeBuilder AddController<T, TReconciler>(Action<ControllerBuilder<T>>? configure = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TReconciler : class, IReconciler<T>
    {
        var description = new ControllerBuilder<T>();
        configure?.Invoke(description);

        Services.TryAddSingleton<TReconciler>();
        Services.TryAddSingleton<IReconciler<T>>(sp => sp.GetRequiredService<TReconciler>());
        Services.TryAddSingleton<IObjectCache<T>>(sp => sp.GetRequiredService<SharedInformerFactory>().GetOrCreate<T>().Cache);
        Services.AddSingleton<IController>(sp =>
        {
            var informers = sp.GetRequiredService<SharedInformerFactory>();
            var options = sp.GetRequiredService<ControllerOptions>();
            if (description.MaxConcurrentReconciles is { } workers)
            {
                options = options with { MaxConcurrentReconciles = workers };
            }

            var controller = new Controller<T>(
                description.Name,
                informers.GetOrCreate<T>(),
                description.Predicate,
                sp.GetRequiredService<IReconciler<T>>(),
                options,
                sp.GetRequiredService<ControllerMetrics>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<Controller<T>>>());
            foreach (var source in description.Sources)
            {
                source(controller, informers);
            }

            return controller;
        });
        return this;
    }

    /// <summary>Makes the cache of <typeparamref name="T"/> injectable without a controller of it (e.g. AgentTool lookups).</summary>
    public OperatorRuntimeBuilder AddCache<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        Services.TryAddSingleton<IObjectCache<T>>(sp => sp.GetRequiredService<SharedInformerFactory>().GetOrCreate<T>().Cache);
        return this;
    }
}
