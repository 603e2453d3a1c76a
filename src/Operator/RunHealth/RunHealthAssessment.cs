using System.Globalization;
using AgentOperator.Contracts;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;

namespace AgentOperator.Operator.RunHealth;

/// <summary>The RunsHealthy condition and the runs summary of one observation.</summary>
internal sealed record RunHealthAssessment(ConditionStatus Status, string Reason, string Message, RunsSummary Summary)
{
    public const string RunsSucceeding = "RunsSucceeding";
    public const string RunsFailing = "RunsFailing";
    public const string CallsRefused = "CallsRefused";
    public const string AwaitingApproval = "AwaitingApproval";
    public const string NoRuns = "NoRuns";
    public const string MetricsUnavailable = "MetricsUnavailable";

    /// <summary>
    /// Judges <paramref name="activity"/>: False when at least half of the completed runs failed (outcome failed or
    /// budget_exceeded), or when no run completed while calls were refused; True otherwise once a run completed, and
    /// True (<see cref="AwaitingApproval"/>) when no run completed and no call was refused while calls wait for a human
    /// approval — a run that waits for its approver is working as designed; Unknown without runs, refusals or
    /// escalations. The message names the share and the most frequent refusal cause.
    /// </summary>
    public static RunHealthAssessment Of(RunActivity activity, TimeSpan window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var outcomes = activity.RunsByOutcome;
        var total = Round(outcomes.Values.Sum());
        var succeeded = Round(outcomes.GetValueOrDefault(RunOutcomes.Success));
        var failed = Round(outcomes.GetValueOrDefault(RunOutcomes.Failed) + outcomes.GetValueOrDefault(RunOutcomes.BudgetExceeded));
        var escalated = Round(outcomes.GetValueOrDefault(RunOutcomes.Escalated));
        var causes = RefusalCause.From(activity.RefusalsByRule, activity.ToolErrorsByTool);
        var refused = Round(causes.Sum(c => c.Count));
        var awaiting = Round(activity.Escalations);
        var top = causes.Count == 0 ? null : $"{Round(causes[0].Count)} call(s) refused, {causes[0].Sentence}";
        var span = activity.Windowed ? $"in {Duration(window)}" : "since the gateways started";
        var summary = new RunsSummary
        {
            WindowSeconds = activity.Windowed ? (int)window.TotalSeconds : 0,
            Total = total,
            Succeeded = succeeded,
            Failed = failed,
            Escalated = escalated,
            RefusedCalls = refused,
            EscalatedCalls = awaiting,
            TopReason = top,
            CostPerSuccessUsd = succeeded == 0 ? null : (activity.CostUsd / succeeded).ToString("0.####", CultureInfo.InvariantCulture),
            ObservedAt = now,
        };

        if (total > 0 && failed * 2 >= total)
        {
            return new(ConditionStatus.False, RunsFailing, $"{failed} of {total} runs failed {span}" + (top is null ? "" : $": {top}"), summary);
        }

        if (total == 0 && refused > 0)
        {
            return new(ConditionStatus.False, CallsRefused, $"no run completed {span} while {refused} call(s) were refused: {top}", summary);
        }

        if (total == 0 && awaiting > 0)
        {
            return new(ConditionStatus.True, AwaitingApproval, $"no run completed {span}; {awaiting} call(s) escalated to a human approval (kubectl agents approvals)", summary);
        }

        if (total == 0)
        {
            return new(ConditionStatus.Unknown, NoRuns, $"no run completed {span}", summary);
        }

        return new(ConditionStatus.True, RunsSucceeding, $"{failed} of {total} runs failed {span}" + (top is null ? "" : $"; most frequent refusal: {top}"), summary);
    }

    /// <summary>"5 m", "90 s", "2 h": how long a window is, for people.</summary>
    public static string Duration(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours % 1 == 0 ? $"{window.TotalHours:0} h"
        : window.TotalMinutes >= 1 && window.TotalMinutes % 1 == 0 ? $"{window.TotalMinutes:0} m"
        : $"{window.TotalSeconds:0} s";

    // Windowed counts are exact differences of integer counters; rounding only removes floating-point noise.
    private static long Round(double value) => (long)Math.Round(value, MidpointRounding.AwayFromZero);
}
