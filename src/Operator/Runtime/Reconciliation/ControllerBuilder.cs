using AgentOperator.Operator.Runtime.Informers;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Reconciliation;

/// <summary>Describes one controller: what it owns, what else it watches, how it filters its own events.</summary>
internal sealed class ControllerBuilder<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly List<Action<Controller<T>, SharedInformerFactory>> _sources = [];

    /// <summary>Name in metrics, spans and logs (default: the kind in lower case, e.g. <c>agentworkflow</c>).</summary>
    public string Name { get; private set; } = ResourceKind.Of<T>().Kind.ToLowerInvariant();

    /// <summary>Which changes of the primary kind enqueue it (default: <see cref="SpecOrMetadataChangedPredicate{T}"/>).</summary>
    public IEventPredicate<T> Predicate { get; private set; } = SpecOrMetadataChangedPredicate<T>.Instance;

    /// <summary>Overrides the operator-wide parallelism for this controller.</summary>
    public int? MaxConcurrentReconciles { get; private set; }

    internal IReadOnlyList<Action<Controller<T>, SharedInformerFactory>> Sources => _sources;

    public ControllerBuilder<T> Named(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        return this;
    }

    public ControllerBuilder<T> WithEventFilter(IEventPredicate<T> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        Predicate = predicate;
        return this;
    }

    public ControllerBuilder<T> WithMaxConcurrentReconciles(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        MaxConcurrentReconciles = workers;
        return this;
    }

    /// <summary>Watches <typeparamref name="TChild"/> and enqueues the controlling owner of this kind of each change.</summary>
    public ControllerBuilder<T> Owns<TChild>()
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        _sources.Add((controller, informers) => controller.WatchOwned(informers.GetOrCreate<TChild>()));
        return this;
    }

    /// <summary>Watches <typeparamref name="TSource"/> and enqueues the keys <paramref name="toKeys"/> returns for each change.</summary>
    public ControllerBuilder<T> Watches<TSource>(Func<InformerEvent<TSource>, IEnumerable<ObjectKey>> toKeys)
        where TSource : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(toKeys);
        _sources.Add((controller, informers) => controller.Watch(informers.GetOrCreate<TSource>(), toKeys));
        return this;
    }
}
