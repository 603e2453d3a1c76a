using AgentOperator.Operator.Tests.Workflows;

namespace AgentOperator.Operator.Tests.K3s;

/// <summary>
/// The DevCluster suite's lifecycle scenarios (<see cref="WorkflowLifecycleScenarios"/>) on a real K3s, with real pods:
/// the real gateway sidecar reading its bundle through the API behind the generated NetworkPolicy. Skipped, with the
/// reason, where no Docker engine answers.
/// </summary>
public sealed class K3sWorkflowTests(K3sClusterFixture cluster) : IClassFixture<K3sClusterFixture>
{
    private WorkflowLifecycleScenarios Scenarios => new(cluster);

    [K3sFact]
    public Task Create_WorkflowWithTools_BecomesReadyWithEveryChildCorrect() => Scenarios.CreateBecomesReadyWithEveryChildCorrectAsync();

    [K3sFact]
    public Task SpecChange_NewRevision_OldChildrenRemovedOnlyAfterTheNewIsAvailable() => Scenarios.SpecChangeMakesANewRevisionAndRetiresTheOldOnlyOnceTheNewIsAvailableAsync();

    [K3sFact]
    public Task InvalidPolicy_PolicyValidFalseWithEveryError_RunningRevisionUntouched() => Scenarios.InvalidPolicySetsPolicyValidFalseWithEveryErrorAndLeavesTheRunningRevisionAsync();

    [K3sFact]
    public Task Delete_Workflow_RemovesEveryChildThenTheFinalizer() => Scenarios.DeleteRemovesEveryChildThenTheFinalizerAsync();
}
