namespace AgentOperator.SampleAgent;

/// <summary>What the sample agent did.</summary>
/// <param name="RunsStarted">Runs the gateway accepted.</param>
/// <param name="RunsRefused">Runs the gateway refused to start.</param>
/// <param name="Outcomes">Runs completed, by the outcome reported.</param>
/// <param name="ModelCalls">Model calls, by HTTP status.</param>
/// <param name="ToolCalls">Tool calls (approval retries included), by HTTP status.</param>
/// <param name="ViolatingCalls">Policy-violating calls made.</param>
/// <param name="ViolationsAllowed">Violating calls the gateway let through (should be 0).</param>
/// <param name="ApprovalsRequested">Calls answered with 202.</param>
/// <param name="EvalPassRatio">Eval mode: the share of tasks that passed.</param>
public sealed record SampleAgentReport(
    int RunsStarted,
    int RunsRefused,
    IReadOnlyDictionary<string, int> Outcomes,
    IReadOnlyDictionary<int, int> ModelCalls,
    IReadOnlyDictionary<int, int> ToolCalls,
    int ViolatingCalls,
    int ViolationsAllowed,
    int ApprovalsRequested,
    double? EvalPassRatio);
