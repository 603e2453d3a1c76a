using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Evaluation;
using AgentOperator.Operator.Rollouts;
using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.Tests.Rollouts;

public sealed class CanaryPlannerTests
{
    private const string Stable = "aaaa1111";
    private const string Target = "bbbb2222";
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly DeploymentAvailability Available = new(true, false, "1/1 replicas available");
    private static readonly DeploymentAvailability Unavailable = new(false, false, "0/1 replicas available");

    private static RolloutSpec Spec(bool evaluation = false, int failureLimit = 0, int inconclusiveLimit = 2) => new()
    {
        Steps = [new RolloutStep { Weight = 10, PauseSeconds = 60 }, new RolloutStep { Weight = 50, PauseSeconds = 60 }],
        Analysis = new AnalysisSpec
        {
            IntervalSeconds = 30,
            Prometheus = new PrometheusProvider { Address = "http://127.0.0.1:9090" },
            Thresholds = new AgentThresholds { MaxEscalationRate = 0.2 },
            FailureLimit = failureLimit,
            InconclusiveLimit = inconclusiveLimit,
        },
        Evaluation = evaluation ? new EvaluationSpec { Image = "sample-agent", MinPassRate = 0.9 } : null,
        ProgressDeadlineSeconds = 300,
    };

    private static RolloutInput Input(RolloutSpec spec, DateTimeOffset now, DeploymentAvailability? canary = null, EvaluationResult? evaluation = null,
        AnalysisRun? analysis = null, RolloutAnnotations? annotations = null) =>
        new(Target, spec, canary ?? Available, evaluation, analysis, annotations ?? RolloutAnnotations.None, TrafficInEffect: true, "wf-bbbb2222-eval", now);

    private static AnalysisRun Run(Verdict verdict, DateTimeOffset at) => new()
    {
        Revision = Target,
        Time = at,
        Verdict = verdict,
        Metrics =
        [
            new MetricResult
            {
                Name = "maxEscalationRate",
                Value = verdict == Verdict.Failed ? "0.45" : "0.05",
                Threshold = "<= 0.2",
                Verdict = verdict,
                Message = verdict == Verdict.Failed ? "maxEscalationRate: 0.45 is above the threshold 0.2" : "fine",
            },
        ],
    };

    private static readonly RolloutState StableOnly = new() { Stable = Stable };

    [Fact]
    public void New_revision_starts_as_a_canary_at_weight_zero_and_waits_for_its_eval_job()
    {
        var decision = CanaryPlanner.Decide(StableOnly, Input(Spec(evaluation: true), T0));

        Assert.Equal(CanaryStage.Evaluating, decision.Stage);
        Assert.True(decision.RunEvaluation);
        Assert.Equal(0, decision.RouteWeight);
        Assert.Equal(Target, decision.State.Canary);
        Assert.Equal(EvaluationPhase.Running, decision.State.Evaluation!.Phase);
        Assert.Equal("wf-bbbb2222-eval", decision.State.Evaluation.Job);
        Assert.Contains(decision.Events, e => e.Reason == WorkflowReasons.CanaryStarted);
    }

    [Fact]
    public void Passed_eval_job_gives_the_canary_its_first_step_weight()
    {
        var evaluating = CanaryPlanner.Decide(StableOnly, Input(Spec(evaluation: true), T0)).State;

        var decision = CanaryPlanner.Decide(evaluating, Input(Spec(evaluation: true), T0.AddSeconds(20), evaluation: EvaluationResult.Passed(0.95, "pass rate 0.95 >= 0.9")));

        Assert.Equal(CanaryStage.Stepping, decision.Stage);
        Assert.Equal(10, decision.RouteWeight);
        Assert.Equal(EvaluationPhase.Passed, decision.State.Evaluation!.Phase);
        Assert.Equal(0.95, decision.State.Evaluation.PassRate);
        Assert.Equal(T0.AddSeconds(20), decision.State.StepStartedAt);
    }

    [Fact]
    public void Canary_whose_eval_job_fails_is_rolled_back_without_ever_getting_traffic()
    {
        var evaluating = CanaryPlanner.Decide(StableOnly, Input(Spec(evaluation: true), T0)).State;

        var decision = CanaryPlanner.Decide(evaluating, Input(Spec(evaluation: true), T0.AddSeconds(20), evaluation: EvaluationResult.Failed("pass rate 0.4 is below minPassRate 0.9", 0.4)));

        Assert.Equal(CanaryStage.RolledBack, decision.Stage);
        Assert.Equal(0, decision.RouteWeight);
        Assert.Equal(WorkflowReasons.EvaluationFailed, decision.Rollback!.Reason);
        Assert.Equal("0.4", decision.Rollback.Value);
        Assert.Equal(">= 0.9", decision.Rollback.Threshold);
        Assert.Equal(Target, decision.State.FailedRevision);
        Assert.Null(decision.State.Canary);
        Assert.Equal(Stable, decision.State.Stable);
        Assert.Single(decision.History, h => h.Outcome == RevisionOutcome.RolledBack && h.Revision == Target);
    }

    [Fact]
    public void Step_holds_until_its_pause_is_over_and_an_analysis_run_in_the_step_succeeded()
    {
        var stepping = CanaryPlanner.Decide(StableOnly, Input(Spec(), T0)).State;
        Assert.Equal(10, stepping.Weight);

        var early = CanaryPlanner.Decide(stepping, Input(Spec(), T0.AddSeconds(30), analysis: Run(Verdict.Successful, T0.AddSeconds(30))));
        Assert.Equal(CanaryStage.Stepping, early.Stage);
        Assert.Equal(0, early.State.Step);
        Assert.Equal(TimeSpan.FromSeconds(30), early.LookAgainIn);

        var done = CanaryPlanner.Decide(early.State, Input(Spec(), T0.AddSeconds(60), analysis: Run(Verdict.Successful, T0.AddSeconds(60))));
        Assert.Equal(1, done.State.Step);
        Assert.Equal(50, done.RouteWeight);
        Assert.Contains(done.Events, e => e.Reason == WorkflowReasons.StepAdvanced);
    }

    [Fact]
    public void Analysis_is_due_every_interval_once_the_canary_has_available_traffic()
    {
        var stepping = CanaryPlanner.Decide(StableOnly, Input(Spec(), T0)).State;

        Assert.False(CanaryPlanner.AnalysisDue(stepping, Spec(), Target, Available, T0.AddSeconds(29)));
        Assert.True(CanaryPlanner.AnalysisDue(stepping, Spec(), Target, Available, T0.AddSeconds(30)));
        Assert.False(CanaryPlanner.AnalysisDue(stepping, Spec(), Target, Unavailable, T0.AddSeconds(30)));
        var analysed = stepping with { LastAnalysis = Run(Verdict.Successful, T0.AddSeconds(30)) };
        Assert.False(CanaryPlanner.AnalysisDue(analysed, Spec(), Target, Available, T0.AddSeconds(59)));
        Assert.True(CanaryPlanner.AnalysisDue(analysed, Spec(), Target, Available, T0.AddSeconds(60)));
    }

    [Fact]
    public void Canary_rolls_back_when_escalation_rate_breaches_with_metric_value_and_threshold()
    {
        var stepping = CanaryPlanner.Decide(StableOnly, Input(Spec(), T0)).State;

        var decision = CanaryPlanner.Decide(stepping, Input(Spec(), T0.AddSeconds(30), analysis: Run(Verdict.Failed, T0.AddSeconds(30))));

        Assert.Equal(CanaryStage.RolledBack, decision.Stage);
        Assert.Equal(WorkflowReasons.AnalysisFailed, decision.Rollback!.Reason);
        Assert.Equal("maxEscalationRate", decision.Rollback.Metric);
        Assert.Equal("0.45", decision.Rollback.Value);
        Assert.Equal("<= 0.2", decision.Rollback.Threshold);
        Assert.Contains("0.45", decision.Rollback.Message, StringComparison.Ordinal);
        Assert.Contains(decision.Events, e => e.Warning && e.Reason == WorkflowReasons.RolledBack && e.Message.Contains("maxEscalationRate", StringComparison.Ordinal));
    }

    [Fact]
    public void Analysis_history_keeps_the_canarys_last_30_runs_oldest_first_and_a_new_canary_starts_a_new_one()
    {
        var spec = Spec() with { Steps = [new RolloutStep { Weight = 10, PauseSeconds = 3600 }] };
        var state = CanaryPlanner.Decide(StableOnly, Input(spec, T0)).State;
        for (var i = 1; i <= RolloutState.AnalysisHistoryLimit + 5; i++)
        {
            var at = T0.AddSeconds(30 * i);
            state = CanaryPlanner.Decide(state, Input(spec, at, analysis: Run(Verdict.Successful, at))).State;
        }

        Assert.Equal(Target, state.Canary);
        Assert.Equal(RolloutState.AnalysisHistoryLimit, state.AnalysisHistory!.Count);
        Assert.Equal(T0.AddSeconds(30 * 6), state.AnalysisHistory[0].Time);
        Assert.Equal(state.LastAnalysis, state.AnalysisHistory[^1]);
        Assert.True(state.AnalysisHistory.Zip(state.AnalysisHistory.Skip(1)).All(p => p.First.Time < p.Second.Time));
        Assert.Equal(state.AnalysisHistory, state.ApplyTo(new AgentWorkflowStatus()).AnalysisHistory);

        var next = CanaryPlanner.Decide(state, Input(spec, T0.AddHours(2)) with { Target = "cccc3333" }).State;
        Assert.Equal("cccc3333", next.Canary);
        Assert.Null(next.AnalysisHistory);
    }

    [Fact]
    public void Failed_runs_within_the_failure_limit_are_tolerated()
    {
        var spec = Spec(failureLimit: 1);
        var stepping = CanaryPlanner.Decide(StableOnly, Input(spec, T0)).State;

        var first = CanaryPlanner.Decide(stepping, Input(spec, T0.AddSeconds(30), analysis: Run(Verdict.Failed, T0.AddSeconds(30))));
        Assert.Null(first.Rollback);
        Assert.Equal(1, first.State.FailedRuns);

        var second = CanaryPlanner.Decide(first.State, Input(spec, T0.AddSeconds(60), analysis: Run(Verdict.Failed, T0.AddSeconds(60))));
        Assert.NotNull(second.Rollback);
    }

    [Fact]
    public void Inconclusive_analysis_pauses_never_promotes_never_rolls_back_then_degrades_past_the_limit()
    {
        var spec = Spec(inconclusiveLimit: 2);
        var state = CanaryPlanner.Decide(StableOnly, Input(spec, T0)).State;
        CanaryDecision decision = null!;
        for (var i = 1; i <= 3; i++)
        {
            var at = T0.AddSeconds(30 * i);
            decision = CanaryPlanner.Decide(state, Input(spec, at, analysis: Run(Verdict.Inconclusive, at)));
            state = decision.State;
            Assert.Equal(CanaryStage.Paused, decision.Stage);
            Assert.Null(decision.Rollback);
            Assert.Equal(0, state.Step);
            Assert.Equal(i > 2, decision.InconclusiveLimitExceeded);
        }

        var recovered = CanaryPlanner.Decide(state, Input(spec, T0.AddSeconds(120), analysis: Run(Verdict.Successful, T0.AddSeconds(120))));
        Assert.Equal(1, recovered.State.Step);
        Assert.False(recovered.InconclusiveLimitExceeded);
    }

    [Fact]
    public void Last_step_scales_the_canary_up_then_promotes_it_once_available()
    {
        var spec = Spec();
        var lastStep = CanaryPlanner.Decide(StableOnly, Input(spec, T0)).State with { Step = 1, Weight = 50 };

        var promoting = CanaryPlanner.Decide(lastStep, Input(spec, T0.AddSeconds(60), analysis: Run(Verdict.Successful, T0.AddSeconds(60))));
        Assert.Equal(CanaryStage.Promoting, promoting.Stage);
        Assert.Equal(Stable, promoting.State.Stable);

        var scaling = CanaryPlanner.Decide(promoting.State, Input(spec, T0.AddSeconds(61), canary: Unavailable));
        Assert.Equal(CanaryStage.Promoting, scaling.Stage);

        var promoted = CanaryPlanner.Decide(scaling.State, Input(spec, T0.AddSeconds(70)));
        Assert.Equal(CanaryStage.Promoted, promoted.Stage);
        Assert.Equal(Target, promoted.State.Stable);
        Assert.Null(promoted.State.Canary);
        Assert.Single(promoted.History, h => h.Outcome == RevisionOutcome.Promoted && h.Revision == Target);
    }

    [Fact]
    public void Rolled_back_revision_is_held_until_a_new_retry_request()
    {
        var failed = StableOnly with { FailedRevision = Target, HandledRetry = "r1" };

        var held = CanaryPlanner.Decide(failed, Input(Spec(), T0, annotations: new RolloutAnnotations(null, null, false, "r1")));
        Assert.Equal(CanaryStage.RolledBack, held.Stage);
        Assert.Null(held.Rollback);
        Assert.Empty(held.Events);
        Assert.Null(held.State.Canary);

        var retried = CanaryPlanner.Decide(failed, Input(Spec(), T0, annotations: new RolloutAnnotations(null, null, false, "r2")));
        Assert.Equal(Target, retried.State.Canary);
        Assert.Null(retried.State.FailedRevision);
        Assert.Equal("r2", retried.State.HandledRetry);
        Assert.Contains(retried.Events, e => e.Reason == WorkflowReasons.RolloutRetried);
    }

    [Fact]
    public void Promote_annotation_acts_only_when_it_names_the_canary_revision()
    {
        var stepping = CanaryPlanner.Decide(StableOnly, Input(Spec(), T0)).State;

        var other = CanaryPlanner.Decide(stepping, Input(Spec(), T0.AddSeconds(1), annotations: new RolloutAnnotations("cccc3333", null, false, null)));
        Assert.Equal(CanaryStage.Stepping, other.Stage);

        var promote = CanaryPlanner.Decide(stepping, Input(Spec(), T0.AddSeconds(1), annotations: new RolloutAnnotations(Target, null, false, null)));
        Assert.Equal(CanaryStage.Promoting, promote.Stage);
        Assert.Equal(Stable, promote.State.Stable);

        var promoted = CanaryPlanner.Decide(promote.State, Input(Spec(), T0.AddSeconds(3), annotations: new RolloutAnnotations(Target, null, false, null)));
        Assert.Equal(CanaryStage.Promoted, promoted.Stage);
        Assert.Equal(Target, promoted.State.Stable);
    }

    [Fact]
    public void Abort_annotation_rolls_the_canary_back_as_aborted()
    {
        var stepping = CanaryPlanner.Decide(StableOnly, Input(Spec(), T0)).State;

        var decision = CanaryPlanner.Decide(stepping, Input(Spec(), T0.AddSeconds(1), annotations: new RolloutAnnotations(null, Target, false, null)));

        Assert.Equal(RevisionOutcome.Aborted, decision.Rollback!.Outcome);
        Assert.Equal(Target, decision.State.FailedRevision);
        Assert.Single(decision.History, h => h.Outcome == RevisionOutcome.Aborted);
    }

    [Fact]
    public void Pause_annotation_holds_the_step_but_a_breach_still_rolls_back()
    {
        var pause = new RolloutAnnotations(null, null, true, null);
        var stepping = CanaryPlanner.Decide(StableOnly, Input(Spec(), T0)).State;

        var held = CanaryPlanner.Decide(stepping, Input(Spec(), T0.AddSeconds(90), analysis: Run(Verdict.Successful, T0.AddSeconds(90)), annotations: pause));
        Assert.Equal(CanaryStage.Paused, held.Stage);
        Assert.Equal(0, held.State.Step);
        Assert.True(held.State.Paused);

        var breach = CanaryPlanner.Decide(held.State, Input(Spec(), T0.AddSeconds(120), analysis: Run(Verdict.Failed, T0.AddSeconds(120)), annotations: pause));
        Assert.Equal(CanaryStage.RolledBack, breach.Stage);
    }

    [Fact]
    public void Canary_that_never_becomes_available_is_rolled_back_at_the_progress_deadline()
    {
        var stepping = CanaryPlanner.Decide(StableOnly, Input(Spec(), T0)).State;

        var waiting = CanaryPlanner.Decide(stepping, Input(Spec(), T0.AddSeconds(299), canary: Unavailable));
        Assert.Null(waiting.Rollback);

        var expired = CanaryPlanner.Decide(stepping, Input(Spec(), T0.AddSeconds(300), canary: Unavailable));
        Assert.Equal(WorkflowReasons.ProgressDeadlineExceeded, expired.Rollback!.Reason);
        Assert.Contains("0/1 replicas available", expired.Rollback.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Changed_spec_supersedes_a_running_canary_and_starts_over()
    {
        var running = CanaryPlanner.Decide(StableOnly with { }, Input(Spec(), T0)).State with { Canary = "cccc3333", Step = 1, Weight = 50 };

        var decision = CanaryPlanner.Decide(running, Input(Spec(), T0.AddSeconds(5)));

        Assert.Equal(Target, decision.State.Canary);
        Assert.Equal(0, decision.State.Step);
        Assert.Single(decision.History, h => h.Revision == "cccc3333" && h.Outcome == RevisionOutcome.Aborted);
    }

    [Fact]
    public void Deciding_again_from_the_written_state_repeats_no_transition()
    {
        var stepping = CanaryPlanner.Decide(StableOnly, Input(Spec(), T0)).State;
        var rolledBack = CanaryPlanner.Decide(stepping, Input(Spec(), T0.AddSeconds(30), analysis: Run(Verdict.Failed, T0.AddSeconds(30))));

        var again = CanaryPlanner.Decide(rolledBack.State, Input(Spec(), T0.AddSeconds(31)));

        Assert.Equal(CanaryStage.RolledBack, again.Stage);
        Assert.Null(again.Rollback);
        Assert.Empty(again.Events);
        Assert.Empty(again.History);
        Assert.Equal(rolledBack.State, again.State);
    }

    private static RolloutSpec GatedSpec() => Spec() with
    {
        Steps = [new RolloutStep { Weight = 10, PauseSeconds = 60 }, new RolloutStep { Weight = 50, Pause = new RolloutPause() }, new RolloutStep { Weight = 80, PauseSeconds = 60 }],
    };

    [Fact]
    public void Pause_step_without_a_duration_waits_for_promotion_indefinitely_and_repeats_no_transition()
    {
        var first = CanaryPlanner.Decide(StableOnly, Input(GatedSpec(), T0)).State;
        var gated = CanaryPlanner.Decide(first, Input(GatedSpec(), T0.AddSeconds(60), analysis: Run(Verdict.Successful, T0.AddSeconds(60))));
        Assert.Equal(1, gated.State.Step);
        Assert.Contains(gated.Events, e => e.Reason == WorkflowReasons.StepAdvanced && e.Message.Contains("waits for promotion", StringComparison.Ordinal));

        // A week later, with every analysis run successful, the step still holds, and saying so again changes nothing.
        var weekLater = T0.AddDays(7);
        var held = CanaryPlanner.Decide(gated.State, Input(GatedSpec(), weekLater, analysis: Run(Verdict.Successful, weekLater)));
        Assert.Equal(CanaryStage.AwaitingPromotion, held.Stage);
        Assert.Equal(1, held.State.Step);
        Assert.Equal(50, held.RouteWeight);
        Assert.Contains("waiting for promotion", held.Message, StringComparison.Ordinal);
        Assert.Contains($"kubectl agents promote {Target}", held.Message, StringComparison.Ordinal);
        Assert.Empty(held.Events);
        Assert.Equal(TimeSpan.FromSeconds(30), held.LookAgainIn); // the next analysis run, not an end of the pause

        var again = CanaryPlanner.Decide(held.State, Input(GatedSpec(), weekLater.AddSeconds(1)));
        Assert.Equal(CanaryStage.AwaitingPromotion, again.Stage);
        Assert.Equal(held.State, again.State);
        Assert.Empty(again.Events);
        Assert.Empty(again.History);
    }

    [Fact]
    public void Pause_step_without_a_duration_continues_only_when_promote_names_the_canary()
    {
        var first = CanaryPlanner.Decide(StableOnly, Input(GatedSpec(), T0)).State;
        var gated = CanaryPlanner.Decide(first, Input(GatedSpec(), T0.AddSeconds(60), analysis: Run(Verdict.Successful, T0.AddSeconds(60)))).State;

        var pauseRemoved = CanaryPlanner.Decide(gated, Input(GatedSpec(), T0.AddSeconds(120), annotations: new RolloutAnnotations("cccc3333", null, false, null)));
        Assert.Equal(CanaryStage.AwaitingPromotion, pauseRemoved.Stage);

        var promoted = CanaryPlanner.Decide(pauseRemoved.State, Input(GatedSpec(), T0.AddSeconds(121), annotations: new RolloutAnnotations(Target, null, false, null)));
        Assert.Equal(CanaryStage.Promoting, promoted.Stage);
        Assert.Contains(promoted.Events, e => e.Reason == WorkflowReasons.PromotionRequested);
    }

    [Fact]
    public void Pause_step_without_a_duration_still_rolls_back_on_a_breach()
    {
        var first = CanaryPlanner.Decide(StableOnly, Input(GatedSpec(), T0)).State;
        var gated = CanaryPlanner.Decide(first, Input(GatedSpec(), T0.AddSeconds(60), analysis: Run(Verdict.Successful, T0.AddSeconds(60)))).State;

        var breach = CanaryPlanner.Decide(gated, Input(GatedSpec(), T0.AddSeconds(90), analysis: Run(Verdict.Failed, T0.AddSeconds(90))));

        Assert.Equal(CanaryStage.RolledBack, breach.Stage);
    }
}
