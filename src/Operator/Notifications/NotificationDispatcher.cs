using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Threading.Channels;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Workflows;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Notifications;

/// <summary>
/// Tells a namespace's webhooks what happened to its workflows and approvals. The informers' handlers turn observed
/// changes into notifications (<see cref="NotificationTriggers"/>) and put them in a bounded queue; workers deliver them
/// while this replica leads (a follower's queue stays empty, so each change is sent by one replica). Per notification:
/// read the namespace's ConfigMap (none: the namespace did not opt in), read the webhook URLs from its Secret with the
/// permission the namespace owner granted, POST to each webhook that wants it (<see cref="WebhookSender"/>). A missing
/// or forbidden Secret, a bad ConfigMap or a webhook that gave up is a Warning Event <c>NotificationFailed</c> on the
/// workflow, said once until it changes or a delivery succeeds, and a failure metric; it never stops the operator.
/// </summary>
internal sealed partial class NotificationDispatcher : IController, IDisposable
{
    public const string ControllerName = "notifications";
    public const string FailedReason = "NotificationFailed";

    private readonly Informer<AgentApproval> _approvals;
    private readonly Informer<AgentWorkflow> _workflows;
    private readonly IKubernetes _client;
    private readonly WebhookSender _sender;
    private readonly WorkflowEventRecorder _events;
    private readonly NotificationOptions _options;
    private readonly NotificationMetricsRecorder _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Notification> _queue;
    private readonly IDisposable[] _handlers;
    private readonly ConcurrentDictionary<(string Namespace, string Webhook), string> _lastProblem = new();
    private volatile bool _leading;

    public NotificationDispatcher(
        Informer<AgentApproval> approvals, Informer<AgentWorkflow> workflows, IKubernetes client, WebhookSender sender, WorkflowEventRecorder events,
        NotificationOptions options, NotificationMetricsRecorder metrics, TimeProvider time, ILogger<NotificationDispatcher> logger)
    {
        _approvals = approvals;
        _workflows = workflows;
        _client = client;
        _sender = sender;
        _events = events;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<Notification>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _handlers =
        [
            approvals.AddHandler(change => Observe(change, NotificationTriggers.FromApproval)),
            workflows.AddHandler(change => Observe(change, NotificationTriggers.FromWorkflow)),
        ];
    }

    public string Name => ControllerName;

    public bool HasSynced => _approvals.HasSynced && _workflows.HasSynced;

    /// <summary>Nothing to replay: a notification is about a change this replica saw while leading, not about a state.</summary>
    public void EnqueueAll()
    {
    }

    public async Task RunWorkersAsync(CancellationToken stopTaking, CancellationToken abort)
    {
        using var slots = new SemaphoreSlim(_options.MaxConcurrentDeliveries);
        var inFlight = new ConcurrentDictionary<Task, bool>();
        _leading = true;
        try
        {
            while (true)
            {
                Notification notification;
                try
                {
                    await slots.WaitAsync(stopTaking);
                    notification = await _queue.Reader.ReadAsync(stopTaking);
                }
                catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
                {
                    break;
                }

                _metrics.QueueDepth(_queue.Reader.Count);
                var delivery = DeliverAsync(notification, abort);
                inFlight[delivery] = true;
                _ = delivery.ContinueWith(
                    done =>
                    {
                        inFlight.TryRemove(done, out _);
                        slots.Release();
                    },
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        finally
        {
            _leading = false;
            await Task.WhenAll(inFlight.Keys);
        }
    }

    public void ShutDown() => _queue.Writer.TryComplete();

    public void Dispose()
    {
        foreach (var handler in _handlers)
        {
            handler.Dispose();
        }
    }

    private void Observe<T>(InformerEvent<T> change, Func<InformerEvent<T>, DateTimeOffset, IEnumerable<Notification>> triggers)
        where T : class
    {
        if (!_leading)
        {
            return;
        }

        foreach (var notification in triggers(change, _time.GetUtcNow()))
        {
            if (_queue.Writer.TryWrite(notification))
            {
                _metrics.QueueDepth(_queue.Reader.Count);
            }
            else
            {
                _metrics.Failure(notification.Namespace, "", "queue_full");
                LogQueueFull(notification.Namespace, notification.Workflow, notification.Event, _options.QueueCapacity);
            }
        }
    }

    private async Task DeliverAsync(Notification notification, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            var webhooks = await WebhooksAsync(notification, cancellationToken);
            if (webhooks.Count == 0)
            {
                return;
            }

            var urls = await UrlsAsync(notification, webhooks, cancellationToken);
            foreach (var (webhook, url) in urls)
            {
                var body = NotificationPayloads.Render(webhook.Format, notification, _options.ConsoleUrl);
                var result = await _sender.SendAsync(notification.Namespace, webhook, url, body, cancellationToken);
                if (result.Delivered)
                {
                    _metrics.Delivered(webhook.Format, _time.GetUtcNow() - notification.ObservedAt);
                    _lastProblem.TryRemove((notification.Namespace, webhook.Name), out _);
                    LogDelivered(notification.Namespace, webhook.Name, notification.Event, notification.Workflow, result.Attempts);
                }
                else
                {
                    _metrics.Failure(notification.Namespace, webhook.Name, result.FailureReason!);
                    await ProblemAsync(notification, webhook.Name, $"webhook {webhook.Name}: {notification.Event} not delivered: {result.Detail}", cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A notification that cannot be sent must never take the operator down; it is logged and counted.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _metrics.Failure(notification.Namespace, "", "error");
            LogDeliveryError(e.GetType().Name, notification.Namespace, notification.Workflow, notification.Event);
        }
    }

    /// <summary>The namespace's webhooks that want <paramref name="notification"/>; none when the namespace has no ConfigMap.</summary>
    private async Task<IReadOnlyList<Webhook>> WebhooksAsync(Notification notification, CancellationToken cancellationToken)
    {
        V1ConfigMap config;
        try
        {
            config = await _client.CoreV1.ReadNamespacedConfigMapAsync(NotificationSettings.ConfigMapName, notification.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }
        catch (HttpOperationException e)
        {
            _metrics.Failure(notification.Namespace, "", "config_unreadable");
            await ProblemAsync(notification, "", $"ConfigMap {notification.Namespace}/{NotificationSettings.ConfigMapName} could not be read: HTTP {(int)e.Response.StatusCode}", cancellationToken);
            return [];
        }

        var (webhooks, errors) = WebhookConfiguration.Parse(config.Data is { } data && data.TryGetValue(NotificationSettings.WebhooksKey, out var yaml) ? yaml : null);
        if (errors.Count > 0)
        {
            _metrics.Failure(notification.Namespace, "", "config_invalid");
            await ProblemAsync(notification, "", $"ConfigMap {notification.Namespace}/{NotificationSettings.ConfigMapName} is invalid (the valid webhooks still get notified): {string.Join("; ", errors)}", cancellationToken);
        }
        else
        {
            _lastProblem.TryRemove((notification.Namespace, ""), out _);
        }

        return [.. webhooks.Where(w => w.Wants(notification))];
    }

    /// <summary>Each webhook's URL from the namespace's Secret; a webhook whose URL cannot be had is reported and left out.</summary>
    private async Task<IReadOnlyList<(Webhook Webhook, Uri Url)>> UrlsAsync(Notification notification, IReadOnlyList<Webhook> webhooks, CancellationToken cancellationToken)
    {
        var ns = notification.Namespace;
        V1Secret secret;
        try
        {
            secret = await _client.CoreV1.ReadNamespacedSecretAsync(NotificationSettings.SecretName, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            var forbidden = e.Response.StatusCode == HttpStatusCode.Forbidden;
            var message = forbidden
                ? $"the operator may not read Secret {ns}/{NotificationSettings.SecretName} (403): let it, in this namespace only, with " +
                  $"`kubectl create rolebinding {NotificationSettings.SecretReaderClusterRole} -n {ns} --clusterrole={NotificationSettings.SecretReaderClusterRole} " +
                  $"--serviceaccount=SA_NAMESPACE:SA_NAME` (the operator's ServiceAccount, agentoperator-system:agent-operator in config/default)"
                : $"Secret {ns}/{NotificationSettings.SecretName} does not exist: create it with one key per webhook holding its URL";
            foreach (var webhook in webhooks)
            {
                _metrics.Failure(ns, webhook.Name, forbidden ? "secret_forbidden" : "secret_missing");
                await ProblemAsync(notification, webhook.Name, $"webhook {webhook.Name}: {notification.Event} not delivered: {message}", cancellationToken);
            }

            return [];
        }

        var urls = new List<(Webhook, Uri)>();
        foreach (var webhook in webhooks)
        {
            if (secret.Data is null || !secret.Data.TryGetValue(webhook.UrlKey, out var bytes))
            {
                _metrics.Failure(ns, webhook.Name, "secret_missing");
                await ProblemAsync(notification, webhook.Name, $"webhook {webhook.Name}: {notification.Event} not delivered: Secret {ns}/{NotificationSettings.SecretName} has no key {webhook.UrlKey}", cancellationToken);
            }
            else if (!Uri.TryCreate(Encoding.UTF8.GetString(bytes).Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                // The value is a credential: the message says what is wrong, never what it is.
                _metrics.Failure(ns, webhook.Name, "config_invalid");
                await ProblemAsync(notification, webhook.Name, $"webhook {webhook.Name}: {notification.Event} not delivered: key {webhook.UrlKey} of Secret {ns}/{NotificationSettings.SecretName} is not an absolute http(s) URL", cancellationToken);
            }
            else
            {
                urls.Add((webhook, url));
            }
        }

        return urls;
    }

    /// <summary>A Warning Event on the workflow, once per distinct problem of a webhook (or of the ConfigMap) until it changes or clears.</summary>
    private async Task ProblemAsync(Notification notification, string webhook, string message, CancellationToken cancellationToken)
    {
        LogProblem(notification.Namespace, notification.Workflow, message);
        var key = (notification.Namespace, webhook);
        if (_lastProblem.TryGetValue(key, out var last) && last == message)
        {
            return;
        }

        _lastProblem[key] = message;
        if (_workflows.Cache.TryGet(new ObjectKey(notification.Namespace, notification.Workflow), out var workflow))
        {
            await _events.RecordAsync(workflow, new WorkflowEvent(true, FailedReason, message), cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {Event} of {Namespace}/{Workflow} delivered to webhook {Webhook} after {Attempts} attempt(s)")]
    private partial void LogDelivered(string @namespace, string webhook, string @event, string workflow, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification for {Namespace}/{Workflow}: {Message}")]
    private partial void LogProblem(string @namespace, string workflow, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification queue full ({Capacity}): {Event} of {Namespace}/{Workflow} dropped")]
    private partial void LogQueueFull(string @namespace, string workflow, string @event, int capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification {Event} of {Namespace}/{Workflow} failed with {Error}")]
    private partial void LogDeliveryError(string error, string @namespace, string workflow, string @event);
}
