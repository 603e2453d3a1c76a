using AgentOperator.Crds.V1Alpha1;
using AgentOperator.KubectlAgents.Console;
using AgentOperator.Operator.Workflows;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Plugin;

/// <summary>The console's rollout timeline: what it reads from the operator's Events and status, and how it draws it.</summary>
public sealed class ConsoleTimelineTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Timeline_reads_the_event_reasons_the_operator_records()
    {
        Assert.Equal(WorkflowReasons.CanaryStarted, RolloutTimeline.CanaryStartedReason);
        Assert.Equal(WorkflowReasons.EvaluationPassed, RolloutTimeline.EvaluationPassedReason);
        Assert.Equal(WorkflowReasons.StepAdvanced, RolloutTimeline.StepAdvancedReason);
        Assert.Equal(WorkflowReasons.RevisionPromoted, RolloutTimeline.RevisionPromotedReason);
        Assert.Equal(WorkflowReasons.RolledBack, RolloutTimeline.RolledBackReason);
        Assert.Equal(WorkflowReasons.Aborted, RolloutTimeline.AbortedReason);
        Assert.Equal(WorkflowReasons.AnalysisFailed, RolloutTimeline.AnalysisFailedReason);
        Assert.Equal(WorkflowReasons.AnalysisInconclusive, RolloutTimeline.AnalysisInconclusiveReason);
    }

    [Fact]
    public void Timeline_steps_the_weight_through_the_canary_and_marks_a_failed_analysis_and_the_rollback()
    {
        var workflow = Workflow(new AgentWorkflowStatus
        {
            StableRevision = "r1",
            History = [new RevisionHistoryEntry { Revision = "r2", Outcome = RevisionOutcome.RolledBack, Reason = "maxEscalationRate 0.9 > 0.2", Time = Start.AddMinutes(3) }],
        });
        Corev1Event[] events =
        [
            Event(RolloutTimeline.CanaryStartedReason, "canary revision r2 started next to stable revision r1", 0),
            Event(RolloutTimeline.StepAdvancedReason, "canary revision r2: step 2/2, weight 50 %", 1),
            Event(RolloutTimeline.AnalysisFailedReason, "canary revision r2: analysis run failed (1 of 2 tolerated): maxEscalationRate 0.9", 2),
            Event(RolloutTimeline.RolledBackReason, "canary revision r2 failed analysis", 3),
        ];

        var timeline = RolloutTimeline.Build(workflow, events, Start.AddMinutes(5));

        Assert.Equal([20, 50, 0], timeline.Weights.Select(w => w.Weight));
        Assert.Equal([TimelineMarkerKind.AnalysisFailed, TimelineMarkerKind.RolledBack], timeline.Markers.Select(m => m.Kind));
        Assert.Equal(Start, timeline.Start);
        var svg = RolloutTimelineChart.Weights(timeline);
        Assert.Contains("role=\"img\"", svg, StringComparison.Ordinal);
        Assert.Contains("Canary weight: 20 % from 2026-12-05 10:00:00Z; 50 % from 2026-12-05 10:01:00Z; 0 % from 2026-12-05 10:03:00Z.", svg, StringComparison.Ordinal);
        Assert.Contains("<g class=\"marker rolledback\">", svg, StringComparison.Ordinal);
        Assert.Contains("<caption>Canary weights and markers</caption>", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void A_canary_in_progress_is_drawn_up_to_now_at_its_current_weight()
    {
        var workflow = Workflow(new AgentWorkflowStatus { StableRevision = "r1", CanaryRevision = "r2", CanaryWeight = 20, CurrentStep = 0 });

        var timeline = RolloutTimeline.Build(workflow, [Event(RolloutTimeline.CanaryStartedReason, "canary revision r2 started", 0)], Start.AddMinutes(2));

        Assert.Equal([(Start, 20), (Start.AddMinutes(2), 20)], timeline.Weights.Select(w => (w.Time, w.Weight)));
    }

    [Fact]
    public void Metrics_chart_draws_each_metric_against_its_threshold_with_a_text_alternative_and_encodes_what_it_shows()
    {
        var run = new AnalysisRun
        {
            Revision = "r2",
            Time = Start,
            Verdict = Verdict.Failed,
            Metrics =
            [
                new MetricResult { Name = "maxEscalationRate", Value = "0.9", Threshold = "<= 0.2", Verdict = Verdict.Failed, Message = "0.9 > 0.2" },
                new MetricResult { Name = "<b>custom</b>", Value = null, Threshold = ">= 0.5", Verdict = Verdict.Inconclusive },
            ],
        };

        var svg = RolloutTimelineChart.Metrics(run);

        Assert.Contains("maxEscalationRate = 0.9 against &lt;= 0.2: Failed; &lt;b&gt;custom&lt;/b&gt; = no data against &gt;= 0.5: Inconclusive.", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", svg, StringComparison.Ordinal);
        Assert.Contains("stroke-dasharray=\"4 2\"", svg, StringComparison.Ordinal);
        Assert.Contains("fill=\"#cf222e\"", svg, StringComparison.Ordinal);
        Assert.Contains("<caption>Last analysis run: metrics against thresholds</caption>", svg, StringComparison.Ordinal);
        Assert.Contains("status.lastAnalysis", RolloutTimelineChart.Metrics(null), StringComparison.Ordinal);
    }

    [Fact]
    public void Analysis_history_chart_draws_each_metric_over_the_runs_against_its_threshold_with_a_table()
    {
        static AnalysisRun Run(int minute, string escalation, Verdict verdict) => new()
        {
            Revision = "r2",
            Time = Start.AddMinutes(minute),
            Verdict = verdict,
            Metrics =
            [
                new MetricResult { Name = "maxEscalationRate", Value = escalation, Threshold = "<= 0.2", Verdict = verdict },
                new MetricResult { Name = "minSuccessRate", Value = "0.97", Threshold = ">= 0.9", Verdict = Verdict.Successful },
            ],
        };

        var html = AnalysisHistoryChart.Render([Run(1, "0.05", Verdict.Successful), Run(2, "0.12", Verdict.Successful), Run(3, "0.31", Verdict.Failed)]);

        Assert.Equal(2, html.Split("<svg class=\"chart analysis-history\"").Length - 1);
        Assert.Contains("maxEscalationRate at 3 analysis run(s) from 2026-", html, StringComparison.Ordinal);
        Assert.Contains("threshold &lt;= 0.2: 0.05 (Successful); 0.12 (Successful); 0.31 (Failed).", html, StringComparison.Ordinal);
        Assert.Equal(2, html.Split("class=\"threshold\"").Length - 1);
        Assert.Equal(5, html.Split("class=\"run successful\"").Length - 1);
        Assert.Single(html.Split("class=\"run failed\"").Skip(1));
        Assert.Contains("fill=\"#cf222e\"", html, StringComparison.Ordinal);
        Assert.Equal(6, html.Split("<tr><td>").Length - 1);
        Assert.Contains("status.analysisHistory", AnalysisHistoryChart.Render(null), StringComparison.Ordinal);
    }

    private static AgentWorkflow Workflow(AgentWorkflowStatus status) => new()
    {
        Metadata = new V1ObjectMeta { Name = "refunds", NamespaceProperty = "support" },
        Spec = Workflows.WorkflowManifests.Spec() with { Rollout = new RolloutSpec { Steps = [new RolloutStep { Weight = 20, PauseSeconds = 60 }, new RolloutStep { Weight = 50, PauseSeconds = 60 }] } },
        Status = status,
    };

    private static Corev1Event Event(string reason, string message, int minute) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"e{minute}" },
        InvolvedObject = new V1ObjectReference { Kind = AgentWorkflow.KubeKind, Name = "refunds" },
        Reason = reason,
        Message = message,
        LastTimestamp = Start.AddMinutes(minute).UtcDateTime,
    };
}
