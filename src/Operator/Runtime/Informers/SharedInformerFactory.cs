using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>
/// One informer per kind, shared by every controller that watches the kind, so each kind is listed and
/// watched once. Informers created after <see cref="Start"/> start at once.
/// </summary>
internal sealed class SharedInformerFactory(IKubernetes client, InformerOptions options, TimeProvider time, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Type, IInformer> _informers = [];
    private readonly List<Task> _running = [];
    private CancellationTokenSource? _stopping;

    public IReadOnlyCollection<IInformer> Informers
    {
        get
        {
            lock (_lock)
            {
                return [.. _informers.Values];
            }
        }
    }

    /// <summary>True when every informer has listed once.</summary>
    public bool HasSynced => Informers.All(i => i.HasSynced);

    public Informer<T> GetOrCreate<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            if (_informers.TryGetValue(typeof(T), out var existing))
            {
                return (Informer<T>)existing;
            }

            var informer = new Informer<T>(
                new KubernetesListWatchClient<T>(client, options.Namespace, labelSelector: null, options.ListPageSize),
                options,
                time,
                loggers.CreateLogger<Informer<T>>());
            _informers[typeof(T)] = informer;
            if (_stopping is not null)
            {
                _running.Add(RunInBackground(informer, _stopping.Token));
            }

            return informer;
        }
    }

    /// <summary>Starts every informer; they run until <see cref="StopAsync"/>.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_stopping is not null)
            {
                return;
            }

            _stopping = new CancellationTokenSource();
            foreach (var informer in _informers.Values)
            {
                _running.Add(RunInBackground(informer, _stopping.Token));
            }
        }
    }

    public async Task WaitForSyncAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(Informers.Select(i => i.WaitForSyncAsync(cancellationToken)));

    public async Task StopAsync()
    {
        Task[] running;
        lock (_lock)
        {
            if (_stopping is null)
            {
                return;
            }

            _stopping.Cancel();
            running = [.. _running];
        }

        await Task.WhenAll(running);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping?.Dispose();
    }

    private static Task RunInBackground(IInformer informer, CancellationToken cancellationToken) =>
        Task.Run(() => informer.RunAsync(cancellationToken), CancellationToken.None);
}
