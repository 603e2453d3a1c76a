namespace AgentOperator.Operator.Workflows;

/// <summary>Reasons of the AgentWorkflow's conditions and Events (CamelCase constants, as apimachinery wants).</summary>
internal static class WorkflowReasons
{
    public const string PolicyCompiled = "PolicyCompiled";
    public const string PolicyInvalid = "PolicyInvalid";
    public const string RevisionAvailable = "RevisionAvailable";
    public const string RevisionUnavailable = "RevisionUnavailable";
    public const string RevisionCreated = "RevisionCreated";
    public const string RevisionPromoted = "RevisionPromoted";
    public const string RevisionRetired = "RevisionRetired";
    public const string RollingOut = "RollingOut";
    public const string RolloutComplete = "RolloutComplete";
    public const string ProgressDeadlineExceeded = "ProgressDeadlineExceeded";
    public const string AsExpected = "AsExpected";
    public const string ServiceAccountReady = "ServiceAccountReady";
    public const string ServiceAccountMissing = "ServiceAccountMissing";
    public const string NoRevision = "NoRevision";
    public const string CredentialsRevoked = "CredentialsRevoked";
    public const string KillSwitchEngaged = "KillSwitchEngaged";
    public const string KillSwitchReleased = "KillSwitchReleased";
    public const string Suspended = "Suspended";
    public const string Ready = "Ready";
    public const string NotReady = "NotReady";
    public const string Finalizing = "Finalizing";
    public const string CanaryStarted = "CanaryStarted";
    public const string CanarySuperseded = "CanarySuperseded";
    public const string CanaryProgressing = "CanaryProgressing";
    public const string CanaryPaused = "CanaryPaused";
    public const string AwaitingPromotion = "AwaitingPromotion";
    public const string Evaluating = "Evaluating";
    public const string EvaluationPassed = "EvaluationPassed";
    public const string EvaluationFailed = "EvaluationFailed";
    public const string StepAdvanced = "StepAdvanced";
    public const string StepsPassed = "StepsPassed";
    public const string Promoting = "Promoting";
    public const string PromotionRequested = "PromotionRequested";
    public const string AnalysisFailed = "AnalysisFailed";
    public const string AnalysisInconclusive = "AnalysisInconclusive";
    public const string AnalysisResumed = "AnalysisResumed";
    public const string RolledBack = "RolledBack";
    public const string Aborted = "Aborted";
    public const string RolloutRetried = "RolloutRetried";
    public const string TrafficNotRouted = "TrafficNotRouted";
    public const string SecretMissing = "SecretMissing";
    public const string SecretsMounted = "SecretsMounted";
}
