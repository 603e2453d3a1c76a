using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Informers;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Provisioning;

/// <summary>
/// Keeps <see cref="DiscoveredApiServerEndpoints"/> equal to what <c>default/kubernetes</c> says: the EndpointSlice
/// (discovery.k8s.io/v1) when it names a ready address, else the core v1 Endpoints. Two informers narrowed to that
/// one name (the operator's RBAC grants nothing more), so a moved or added API server is seen within a watch event.
/// <para>
/// <see cref="StartAsync"/> waits for the first lists (at most <see cref="InitialSyncTimeout"/>) so that the first
/// reconciles already write the final egress rule instead of the "any address on 443/6443" fallback and then
/// rewriting every NetworkPolicy seconds later.
/// </para>
/// </summary>
internal sealed partial class ApiServerEndpointsDiscovery : IHostedService, IAsyncDisposable
{
    public const string Namespace = "default";
    public const string Name = "kubernetes";

    // List and watch by name, which RBAC with resourceNames allows.
    private const string NameSelector = "metadata.name=" + Name;

    private static readonly ObjectKey Key = new(Namespace, Name);
    private readonly DiscoveredApiServerEndpoints _endpoints;
    private readonly ILogger _logger;
    private readonly Informer<V1EndpointSlice> _slices;
    private readonly Informer<V1Endpoints> _coreEndpoints;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];
    private int _disposed;

    public ApiServerEndpointsDiscovery(IKubernetes client, DiscoveredApiServerEndpoints endpoints, InformerOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _endpoints = endpoints;
        _logger = loggers.CreateLogger<ApiServerEndpointsDiscovery>();
        _slices = new Informer<V1EndpointSlice>(new KubernetesListWatchClient<V1EndpointSlice>(client, Namespace, labelSelector: null, options.ListPageSize, NameSelector), options, time, loggers.CreateLogger<Informer<V1EndpointSlice>>());
        _coreEndpoints = new Informer<V1Endpoints>(new KubernetesListWatchClient<V1Endpoints>(client, Namespace, labelSelector: null, options.ListPageSize, NameSelector), options, time, loggers.CreateLogger<Informer<V1Endpoints>>());
    }

    /// <summary>Longest wait for the first lists before the operator starts without them (default 10 s).</summary>
    public TimeSpan InitialSyncTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscriptions.Add(_slices.AddHandler(_ => Refresh()));
        _subscriptions.Add(_coreEndpoints.AddHandler(_ => Refresh()));
        _running.Add(Task.Run(() => _slices.RunAsync(_stopping.Token), CancellationToken.None));
        _running.Add(Task.Run(() => _coreEndpoints.RunAsync(_stopping.Token), CancellationToken.None));

        var synced = Task.WhenAll(_slices.WaitForSyncAsync(cancellationToken), _coreEndpoints.WaitForSyncAsync(cancellationToken));
        await Task.WhenAny(synced, Task.Delay(InitialSyncTimeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        Refresh();
        if (_endpoints.Current.Count == 0)
        {
            LogUnknown(Namespace, Name);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_running).WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes it twice: as itself and as the hosted service resolved from it.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await Task.WhenAll(_running);
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _stopping.Dispose();
    }

    private void Refresh()
    {
        var fromSlice = _slices.Cache.TryGet(Key, out var slice) ? ApiServerEndpointsReader.From(slice) : [];
        var endpoints = fromSlice.Count > 0 ? fromSlice
            : _coreEndpoints.Cache.TryGet(Key, out var core) ? ApiServerEndpointsReader.From(core) : [];
        if (_endpoints.Set(endpoints) && _logger.IsEnabled(LogLevel.Information))
        {
            var listed = string.Join(", ", _endpoints.Current.Select(e => $"{e.Cidr}:{e.Port}"));
            LogChanged(listed, fromSlice.Count > 0 ? "EndpointSlice" : "Endpoints");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "API server endpoints are now [{Endpoints}] (from the {Source} default/kubernetes); NetworkPolicies follow")]
    private partial void LogChanged(string endpoints, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "API server endpoints unknown ({Namespace}/{Name} not readable yet): NetworkPolicies allow TCP 443 and 6443 to any address until they are")]
    private partial void LogUnknown(string @namespace, string name);
}
