using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Evaluation;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Evaluation;

public sealed class EvaluationResultTests
{
    private const string JobUid = "0d4f2a9e-1111-4c2e-9d8e-000000000001";

    private static V1Job Job(string? condition = null, string? reason = null) => new()
    {
        Metadata = new() { Name = "refund-agent-7f3a9c2d41-eval", NamespaceProperty = "support", Uid = JobUid },
        Spec = new() { ActiveDeadlineSeconds = 600, Template = new() },
        Status = new()
        {
            Conditions = condition is null ? null : [new() { Type = condition, Status = "True", Reason = reason, Message = "Job has reached the specified backoff limit" }],
        },
    };

    private static V1Pod Pod(string phase, string? message, int exitCode = 0, string ownerUid = JobUid, DateTime? created = null) => new()
    {
        Metadata = new()
        {
            Name = "refund-agent-7f3a9c2d41-eval-" + Guid.NewGuid().ToString("N")[..5],
            NamespaceProperty = "support",
            CreationTimestamp = created ?? new DateTime(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc),
            OwnerReferences = [new() { ApiVersion = "batch/v1", Kind = "Job", Name = "refund-agent-7f3a9c2d41-eval", Uid = ownerUid, Controller = true }],
        },
        Status = new()
        {
            Phase = phase,
            InitContainerStatuses = [new() { Name = "gateway", State = new() { Terminated = new() { ExitCode = 0, Reason = "Completed" } } }],
            ContainerStatuses = [new() { Name = "eval", State = new() { Terminated = new() { ExitCode = exitCode, Reason = exitCode == 0 ? "Completed" : "Error", Message = message } } }],
        },
    };

    [Fact]
    public void Read_JobNotFinished_Running()
    {
        var result = EvaluationResult.Read(Job(), [], minPassRate: 0.9);

        Assert.Equal(EvaluationPhase.Running, result.Phase);
        Assert.Null(result.PassRate);
    }

    [Fact]
    public void Read_CompleteWithRatioAtLeastTheMinimum_PassedWithTheRatio()
    {
        var result = EvaluationResult.Read(Job("Complete"), [Pod("Succeeded", "0.94\n")], minPassRate: 0.9);

        Assert.Equal((EvaluationPhase.Passed, 0.94), (result.Phase, result.PassRate));
        Assert.Equal("eval pass rate 0.94 reached minPassRate 0.9", result.Message);
    }

    [Fact]
    public void Read_CompleteWithRatioExactlyTheMinimum_Passed()
    {
        Assert.Equal(EvaluationPhase.Passed, EvaluationResult.Read(Job("Complete"), [Pod("Succeeded", "0.9")], minPassRate: 0.9).Phase);
    }

    [Fact]
    public void Read_CompleteWithRatioBelowTheMinimum_FailedNamingValueAndThreshold()
    {
        var result = EvaluationResult.Read(Job("Complete"), [Pod("Succeeded", "0.4")], minPassRate: 0.9);

        Assert.Equal((EvaluationPhase.Failed, 0.4), (result.Phase, result.PassRate));
        Assert.Equal("eval pass rate 0.4 is below minPassRate 0.9", result.Message);
    }

    [Theory]
    [InlineData("ok")]
    [InlineData("0,94")]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("NaN")]
    public void Read_CompleteWithAMessageThatIsNoRatio_Failed(string message)
    {
        var result = EvaluationResult.Read(Job("Complete"), [Pod("Succeeded", message)], minPassRate: 0.9);

        Assert.Equal(EvaluationPhase.Failed, result.Phase);
        Assert.StartsWith($"termination message '{message}' is not a pass ratio", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CompleteWithoutMessage_Failed()
    {
        var result = EvaluationResult.Read(Job("Complete"), [Pod("Succeeded", null)], minPassRate: 0.5);

        Assert.Equal(EvaluationPhase.Failed, result.Phase);
        Assert.Contains("no termination message", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OnlyThePodsOfThisJobCount()
    {
        var earlierJobsPod = Pod("Succeeded", "1", ownerUid: "another-uid", created: new DateTime(2026, 11, 25, 11, 0, 0, DateTimeKind.Utc));
        var labelledOnly = new V1Pod
        {
            Metadata = new() { Name = "x", NamespaceProperty = "support", Labels = new Dictionary<string, string> { ["batch.kubernetes.io/job-name"] = "refund-agent-7f3a9c2d41-eval" } },
            Status = Pod("Succeeded", "0.3").Status,
        };

        Assert.Equal(0.3, EvaluationResult.Read(Job("Complete"), [earlierJobsPod, labelledOnly], minPassRate: 0.9).PassRate);
        Assert.Equal(EvaluationPhase.Failed, EvaluationResult.Read(Job("Complete"), [earlierJobsPod], minPassRate: 0.9).Phase);
    }

    [Fact]
    public void Read_DeadlineExceeded_FailedNamingTheTimeout()
    {
        var result = EvaluationResult.Read(Job("Failed", "DeadlineExceeded"), [], minPassRate: 0.9);

        Assert.Equal(EvaluationPhase.Failed, result.Phase);
        Assert.Contains("timeout of 600 s (DeadlineExceeded)", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BackoffLimitExceeded_FailedWithTheEvalContainersExitAndMessage()
    {
        var result = EvaluationResult.Read(Job("Failed", "BackoffLimitExceeded"), [Pod("Failed", "gateway unreachable", exitCode: 3)], minPassRate: 0.9);

        Assert.Equal(EvaluationPhase.Failed, result.Phase);
        Assert.Contains("exit code 3: gateway unreachable (BackoffLimitExceeded)", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FailedWithoutPods_FailedWithTheJobsReason()
    {
        var result = EvaluationResult.Read(Job("Failed", "BackoffLimitExceeded"), [], minPassRate: 0.9);

        Assert.Contains("BackoffLimitExceeded", result.Message, StringComparison.Ordinal);
    }
}
