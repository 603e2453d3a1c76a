using System.Collections.Concurrent;
using System.Security.Cryptography;
using AgentOperator.Crds.V1Alpha1;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>
/// Records core/v1 Events on an AgentWorkflow (what <c>kubectl describe</c> and <c>kubectl events</c> show).
/// An Event that cannot be written is logged and dropped: Events inform, they never fail a reconcile.
/// </summary>
internal sealed partial class WorkflowEventRecorder(IKubernetes client, TimeProvider time, ILogger<WorkflowEventRecorder> logger)
{
    /// <summary>The component named in every Event's source.</summary>
    public const string Component = "agent-operator";

    private const int MaxMessageLength = 1024;

    private readonly ConcurrentDictionary<(string Uid, string Reason, string Message), (string Name, int Count)> _counted = new();

    public async Task RecordAsync(AgentWorkflow workflow, WorkflowEvent change, CancellationToken ct) => await CreateAsync(workflow, change, 1, ct);

    /// <summary>Creates the Event; returns its name, or null when it could not be written (logged).</summary>
    private async Task<string?> CreateAsync(AgentWorkflow workflow, WorkflowEvent change, int count, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var message = change.Message.Length <= MaxMessageLength ? change.Message : change.Message[..(MaxMessageLength - 1)] + "…";
        var body = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{workflow.Metadata.Name}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}",
                NamespaceProperty = workflow.Metadata.NamespaceProperty,
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = ApiGroup.ApiVersion,
                Kind = AgentWorkflow.KubeKind,
                Name = workflow.Metadata.Name,
                NamespaceProperty = workflow.Metadata.NamespaceProperty,
                Uid = workflow.Metadata.Uid,
                ResourceVersion = workflow.Metadata.ResourceVersion,
            },
            Reason = change.Reason,
            Message = message,
            Type = change.Warning ? "Warning" : "Normal",
            Source = new V1EventSource { Component = Component },
            ReportingComponent = "agentoperator.io/" + Component,
            ReportingInstance = Environment.MachineName,
            Action = change.Reason,
            FirstTimestamp = now,
            LastTimestamp = now,
            EventTime = now,
            Count = count,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(body, workflow.Metadata.NamespaceProperty, cancellationToken: ct);
            LogRecorded(workflow.Metadata.NamespaceProperty, workflow.Metadata.Name, change.Reason, message);
            return body.Metadata.Name;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            LogFailed(e, workflow.Metadata.NamespaceProperty, workflow.Metadata.Name, change.Reason);
            return null;
        }
    }

    /// <summary>
    /// Records <paramref name="change"/> happening <paramref name="occurrences"/> more times. The same reason and message
    /// on the same workflow is one Event whose <c>count</c> grows (as client-go's event correlator does), so a cause
    /// that repeats shows once, with how often; a new Event is created when this process has not recorded it yet or
    /// the API server has dropped it (Events expire).
    /// </summary>
    public async Task RecordCountedAsync(AgentWorkflow workflow, WorkflowEvent change, int occurrences, CancellationToken ct)
    {
        if (occurrences < 1)
        {
            return;
        }

        var key = (workflow.Metadata.Uid, change.Reason, change.Message);
        if (_counted.TryGetValue(key, out var known))
        {
            var count = known.Count + occurrences;
            var patch = new V1Patch(new { count, lastTimestamp = time.GetUtcNow().UtcDateTime }, V1Patch.PatchType.MergePatch);
            try
            {
                await client.CoreV1.PatchNamespacedEventAsync(patch, known.Name, workflow.Metadata.NamespaceProperty, cancellationToken: ct);
                _counted[key] = (known.Name, count);
                LogCounted(workflow.Metadata.NamespaceProperty, workflow.Metadata.Name, change.Reason, change.Message, count);
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                _counted.TryRemove(key, out _);
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException)
            {
                LogFailed(e, workflow.Metadata.NamespaceProperty, workflow.Metadata.Name, change.Reason);
                return;
            }
        }

        if (await CreateAsync(workflow, change, occurrences, ct) is { } name)
        {
            _counted[key] = (name, occurrences);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentWorkflow {Namespace}/{Name}: {Reason}: {Message}")]
    private partial void LogRecorded(string @namespace, string name, string reason, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentWorkflow {Namespace}/{Name}: {Reason}: {Message} (count {Count})")]
    private partial void LogCounted(string @namespace, string name, string reason, string message, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AgentWorkflow {Namespace}/{Name}: could not record Event {Reason}")]
    private partial void LogFailed(Exception e, string @namespace, string name, string reason);
}
