using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Hosting;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Workflows;
using k8s;

namespace AgentOperator.Operator.Notifications;

/// <summary>Registers the notifier with the operator host: it runs its workers like a controller, only while leading.</summary>
internal static class NotificationRegistration
{
    public static OperatorRuntimeBuilder AddNotifications(this OperatorRuntimeBuilder runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        runtime.Services.AddSingleton<IController>(sp => Create(
            sp.GetRequiredService<SharedInformerFactory>(),
            sp.GetRequiredService<IKubernetes>(),
            sp.GetService<NotificationOptions>() ?? new NotificationOptions(),
            sp.GetRequiredService<ControllerMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return runtime;
    }

    /// <summary>The notifier on the shared informers, with its own HTTP client and metrics in the operator's registry.</summary>
    public static NotificationDispatcher Create(
        SharedInformerFactory informers, IKubernetes client, NotificationOptions options, ControllerMetrics controllerMetrics, TimeProvider time, ILoggerFactory loggers)
    {
        var metrics = new NotificationMetricsRecorder(controllerMetrics.Registry);
        return new NotificationDispatcher(
            informers.GetOrCreate<AgentApproval>(),
            informers.GetOrCreate<AgentWorkflow>(),
            client,
            new WebhookSender(WebhookSender.CreateClient(), options, metrics, time, loggers.CreateLogger<WebhookSender>()),
            new WorkflowEventRecorder(client, time, loggers.CreateLogger<WorkflowEventRecorder>()),
            options,
            metrics,
            time,
            loggers.CreateLogger<NotificationDispatcher>());
    }
}
