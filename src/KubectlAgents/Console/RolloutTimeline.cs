using System.Globalization;
using System.Text.RegularExpressions;
using AgentOperator.Crds.V1Alpha1;
using k8s.Models;

namespace AgentOperator.KubectlAgents.Console;

/// <summary>A canary weight from a moment on.</summary>
public sealed record WeightPoint(DateTimeOffset Time, int Weight, string Why);

/// <summary>A moment on the timeline: a promotion, a rollback or abort, a failed or inconclusive analysis run.</summary>
public sealed record TimelineMarker(DateTimeOffset Time, TimelineMarkerKind Kind, string Text);

public enum TimelineMarkerKind
{
    Promoted,
    RolledBack,
    AnalysisFailed,
}

/// <summary>
/// A workflow's rollouts as the operator recorded them: canary weights from its Events (canary started, step advanced,
/// promoted, rolled back) and the current status, promotions and rollbacks from <c>status.history</c> (which outlives
/// Events), failed and inconclusive analysis runs from Events, and the metrics of the last analysis run against their
/// thresholds from <c>status.lastAnalysis</c> (the operator keeps only the last run's values).
/// </summary>
public sealed partial record RolloutTimeline(
    DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<WeightPoint> Weights, IReadOnlyList<TimelineMarker> Markers, AnalysisRun? LastAnalysis)
{
    // The Event reasons the operator records (src/Operator/Workflows/WorkflowReasons.cs; a test holds these equal).
    public const string CanaryStartedReason = "CanaryStarted";
    public const string EvaluationPassedReason = "EvaluationPassed";
    public const string StepAdvancedReason = "StepAdvanced";
    public const string RevisionPromotedReason = "RevisionPromoted";
    public const string RolledBackReason = "RolledBack";
    public const string AbortedReason = "Aborted";
    public const string AnalysisFailedReason = "AnalysisFailed";
    public const string AnalysisInconclusiveReason = "AnalysisInconclusive";

    /// <summary>How far back the chart looks when the Events do not say (they expire after an hour on most clusters).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);

    public static RolloutTimeline Build(AgentWorkflow workflow, IReadOnlyList<Corev1Event> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(events);
        var steps = workflow.Spec?.Rollout?.Steps ?? [];
        var firstWeight = steps.Count > 0 ? steps[0].Weight : 0;
        var evaluates = workflow.Spec?.Rollout?.Evaluation is not null;
        List<WeightPoint> weights = [];
        List<TimelineMarker> markers = [];
        var inCanary = false;
        foreach (var e in events)
        {
            var time = TimeOf(e);
            switch (e.Reason)
            {
                case CanaryStartedReason:
                    inCanary = true;
                    weights.Add(new(time, evaluates ? 0 : firstWeight, evaluates ? "canary started; eval Job before traffic" : $"canary started at step 1, weight {firstWeight} %"));
                    break;
                case EvaluationPassedReason:
                    weights.Add(new(time, firstWeight, $"eval passed: step 1, weight {firstWeight} %"));
                    break;
                case StepAdvancedReason when StepWeight().Match(e.Message ?? "") is { Success: true } match:
                    weights.Add(new(time, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), e.Message ?? ""));
                    break;
                // A first revision is promoted without a canary: no weight to draw.
                case RevisionPromotedReason when inCanary:
                    inCanary = false;
                    weights.Add(new(time, 100, "promoted: the canary is the stable revision"));
                    break;
                case RolledBackReason or AbortedReason:
                    inCanary = false;
                    weights.Add(new(time, 0, e.Reason == AbortedReason ? "aborted" : "rolled back"));
                    break;
                case AnalysisFailedReason or AnalysisInconclusiveReason:
                    markers.Add(new(time, TimelineMarkerKind.AnalysisFailed, e.Message ?? e.Reason));
                    break;
            }
        }

        var earliest = weights.Select(w => w.Time).Concat(markers.Select(m => m.Time)).DefaultIfEmpty(now - DefaultWindow).Min();
        foreach (var entry in workflow.Status?.History ?? [])
        {
            if (entry.Time >= earliest)
            {
                markers.Add(new(entry.Time, entry.Outcome == RevisionOutcome.Promoted ? TimelineMarkerKind.Promoted : TimelineMarkerKind.RolledBack,
                    $"{entry.Outcome} revision {entry.Revision}" + (entry.Reason is { Length: > 0 } reason ? $": {reason}" : "")));
            }
        }

        if (workflow.Status?.CanaryRevision is { } canary)
        {
            weights.Add(new(now, workflow.Status.CanaryWeight ?? 0, $"now: canary revision {canary} at weight {workflow.Status.CanaryWeight ?? 0} %"));
        }

        var start = weights.Select(w => w.Time).Concat(markers.Select(m => m.Time)).DefaultIfEmpty(now - DefaultWindow).Min();
        return new RolloutTimeline(start < now ? start : now - DefaultWindow, now, [.. weights.OrderBy(w => w.Time)], [.. markers.OrderBy(m => m.Time)], workflow.Status?.LastAnalysis);
    }

    /// <summary>When an Event last happened: lastTimestamp, else eventTime, else firstTimestamp, else its creation.</summary>
    public static DateTimeOffset TimeOf(Corev1Event e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var time = e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.UnixEpoch;
        return new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc));
    }

    // CanaryPlanner's StepAdvanced message: "canary revision R: step N/M, weight W %".
    [GeneratedRegex(@"weight (\d{1,3}) %")]
    private static partial Regex StepWeight();
}
