using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Gateway.Bundles;

/// <summary>
/// Inside a pod: watches the revision's policy ConfigMap through the API (with the pod's projected token)
/// and hands every new version of its bundle key to the sink, which swaps it in atomically, so a kill
/// switch takes effect on the next call. The watch keeps the last resourceVersion, re-lists after 410 Gone,
/// and reconnects with capped exponential backoff plus jitter.
/// </summary>
public sealed partial class BundleConfigMapWatcher(
    IKubernetes kubernetes,
    string @namespace,
    string configMapName,
    string dataKey,
    IBundleSink sink,
    TimeProvider timeProvider,
    ILogger<BundleConfigMapWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private string? _resourceVersion;
    private string? _lastLoaded;

    /// <summary>Reads the ConfigMap once and loads it; false when it is missing or does not compile.</summary>
    public async Task<bool> LoadInitialAsync(CancellationToken cancellationToken)
    {
        var list = await kubernetes.CoreV1.ListNamespacedConfigMapAsync(@namespace, fieldSelector: $"metadata.name={configMapName}", cancellationToken: cancellationToken);
        _resourceVersion = list.Metadata?.ResourceVersion;
        return list.Items.FirstOrDefault() is { } configMap && Apply(configMap);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var events = kubernetes.CoreV1.WatchListNamespacedConfigMapAsync(
                    @namespace,
                    allowWatchBookmarks: true,
                    fieldSelector: $"metadata.name={configMapName}",
                    resourceVersion: _resourceVersion,
                    cancellationToken: stoppingToken);
                await foreach (var (type, configMap) in events)
                {
                    failures = 0;
                    _resourceVersion = configMap.Metadata?.ResourceVersion ?? _resourceVersion;
                    if (type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        Apply(configMap);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is HttpOperationException or HttpRequestException or IOException or KubernetesException)
            {
                if (exception is HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } or KubernetesException { Status.Code: 410 })
                {
                    LogRelist(logger, @namespace, configMapName);
                    _resourceVersion = null;
                    await LoadInitialAsync(stoppingToken);
                    continue;
                }

                failures++;
                var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 10))));
                backoff = backoff * (0.5 + (Random.Shared.NextDouble() / 2));
                LogWatchFailed(logger, @namespace, configMapName, exception.GetType().Name, backoff.TotalSeconds);
                await Task.Delay(backoff, timeProvider, stoppingToken);
            }
        }
    }

    private bool Apply(V1ConfigMap configMap)
    {
        if (configMap.Data?.TryGetValue(dataKey, out var json) != true || json is null)
        {
            LogMissingKey(logger, @namespace, configMapName, dataKey);
            return false;
        }

        if (json == _lastLoaded)
        {
            return true;
        }

        var loaded = sink.Load(json, $"configmap {@namespace}/{configMapName}@{configMap.Metadata?.ResourceVersion}");
        if (loaded)
        {
            _lastLoaded = json;
        }

        return loaded;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of ConfigMap {Namespace}/{Name} expired (410): listing again")]
    private static partial void LogRelist(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of ConfigMap {Namespace}/{Name} failed ({ErrorType}); reconnecting in {Seconds:F1}s")]
    private static partial void LogWatchFailed(ILogger logger, string @namespace, string name, string errorType, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ConfigMap {Namespace}/{Name} has no key {Key}; keeping the current bundle")]
    private static partial void LogMissingKey(ILogger logger, string @namespace, string name, string key);
}
