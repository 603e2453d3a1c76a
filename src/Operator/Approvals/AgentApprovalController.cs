using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Runtime.Informers;
using AgentOperator.Operator.Runtime.Metrics;
using AgentOperator.Operator.Runtime.Reconciliation;
using AgentOperator.Operator.Workflows;
using k8s;

namespace AgentOperator.Operator.Approvals;

/// <summary>Builds the AgentApproval controller on the shared informers: every change of an approval (verdicts are status changes).</summary>
internal static class AgentApprovalController
{
    public const string Name = "agentapproval";

    public static Controller<AgentApproval> Create(
        SharedInformerFactory informers, IKubernetes client, ControllerOptions options, ControllerMetrics metrics, TimeProvider time, ILoggerFactory loggers)
    {
        var approvals = informers.GetOrCreate<AgentApproval>();
        var workflows = informers.GetOrCreate<AgentWorkflow>();
        var reconciler = new AgentApprovalReconciler(
            client, approvals.Cache, workflows.Cache, new WorkflowEventRecorder(client, time, loggers.CreateLogger<WorkflowEventRecorder>()),
            time, loggers.CreateLogger<AgentApprovalReconciler>());
        return new Controller<AgentApproval>(
            Name, approvals, AnyChangePredicate<AgentApproval>.Instance, reconciler, options, metrics, time, loggers.CreateLogger<Controller<AgentApproval>>());
    }
}
