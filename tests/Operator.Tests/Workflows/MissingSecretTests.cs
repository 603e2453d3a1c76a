using AgentOperator.Operator.Workflows;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Workflows;

public sealed class MissingSecretTests
{
    private static V1Pod Pod(string name, string? waitingReason = null, string? waitingMessage = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = new V1PodStatus
        {
            ContainerStatuses = waitingReason is null ? null :
                [new V1ContainerStatus { Name = "gateway", Image = "g", ImageID = "", Ready = false, RestartCount = 0, State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = waitingReason, Message = waitingMessage } } }],
        },
    };

    private static Corev1Event FailedMount(string pod, string message) => new()
    {
        Metadata = new V1ObjectMeta { Name = pod + ".1" },
        InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = pod },
        Reason = "FailedMount",
        Message = message,
    };

    [Fact]
    public void CreateContainerConfigError_and_FailedMount_name_the_missing_secrets_once_each()
    {
        var missing = MissingSecret.From(
            [Pod("a", "CreateContainerConfigError", "secret \"openai-api-key\" not found"), Pod("b")],
            [
                FailedMount("b", "MountVolume.SetUp failed for volume \"secret-payments\" : secret \"payments-api-token\" not found"),
                FailedMount("a", "MountVolume.SetUp failed for volume \"secret-payments\" : secret \"payments-api-token\" not found"),
                FailedMount("other-workflows-pod", "MountVolume.SetUp failed for volume \"x\" : secret \"unrelated\" not found"),
            ]);

        Assert.Equal([("openai-api-key", "a"), ("payments-api-token", "b")], missing.Select(m => (m.Secret, m.Pod)));
    }

    [Fact]
    public void Other_waiting_reasons_and_configmaps_are_not_missing_secrets() =>
        Assert.Empty(MissingSecret.From(
            [Pod("a", "ContainerCreating"), Pod("b", "CreateContainerConfigError", "configmap \"bundle\" not found")],
            [FailedMount("a", "MountVolume.SetUp failed for volume \"bundle\" : configmap \"bundle\" not found")]));
}
