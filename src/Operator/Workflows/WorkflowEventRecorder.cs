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

    public async Task RecordAsync(AgentWorkflow workflow, WorkflowEvent change, CancellationToken ct)
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
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(body, workflow.Metadata.NamespaceProperty, cancellationToken: ct);
            LogRecorded(workflow.Metadata.NamespaceProperty, workflow.Metadata.Name, change.Reason, message);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            LogFailed(e, workflow.Metadata.NamespaceProperty, workflow.Metadata.Name, change.Reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentWorkflow {Namespace}/{Name}: {Reason}: {Message}")]
    private partial void LogRecorded(string @namespace, string name, string reason, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AgentWorkflow {Namespace}/{Name}: could not record Event {Reason}")]
    private partial void LogFailed(Exception e, string @namespace, string name, string reason);
}
