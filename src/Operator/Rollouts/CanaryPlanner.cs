using System.Globalization;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.Rollouts;

/// <summary>
/// The canary state machine, as a pure function of the rollout state in status and what was observed in this reconcile,
/// so a restarted operator continues from status exactly where the last one stopped. Order of a canary's life:
/// <list type="number">
/// <item>start at weight 0 (a changed spec supersedes a running canary; a rolled-back revision waits for a new spec or
/// <c>agentoperator.io/retry</c>);</item>
/// <item>the eval Job, if declared: its pass ratio must reach minPassRate before any traffic;</item>
/// <item>each step: apply the weight, wait for the canary to be available (progressDeadlineSeconds), hold for the
/// pause while analysis runs every interval; a step ends once its pause is over and the latest analysis run,
/// made during the step, was successful; a step with <c>pause: {}</c> ends only when a human promotes the canary;</item>
/// <item>after the last step the canary scales to full size and is promoted once available.</item>
/// </list>
/// Failed analysis runs past failureLimit roll back at once; inconclusive runs pause the canary (never promote, never
/// roll back) and past inconclusiveLimit mark it Degraded. Manual promote and abort name the canary revision.
/// </summary>
internal static class CanaryPlanner
{
    /// <summary>Slack past the Job's own activeDeadlineSeconds before the operator gives up on an eval Job that never reports.</summary>
    private static readonly TimeSpan EvaluationGrace = TimeSpan.FromSeconds(60);

    /// <summary>How often a running eval Job is looked at when no Job event arrives.</summary>
    private static readonly TimeSpan EvaluationPoll = TimeSpan.FromSeconds(5);

    /// <summary>Whether this reconcile must run an analysis of the canary (before <see cref="Decide"/>, which consumes it).</summary>
    public static bool AnalysisDue(RolloutState state, RolloutSpec? spec, string target, DeploymentAvailability canary, DateTimeOffset now) =>
        spec?.Analysis is { } analysis && state.Canary == target && state.FailedRevision != target
        && (state.Weight ?? 0) > 0 && canary.Available && state.StepStartedAt is not null
        && now >= NextAnalysisAt(state, analysis);

    public static CanaryDecision Decide(RolloutState state, RolloutInput input)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(input);
        return new Planning(state, input).Run();
    }

    private static DateTimeOffset NextAnalysisAt(RolloutState state, AnalysisSpec analysis)
    {
        var interval = TimeSpan.FromSeconds(analysis.IntervalSeconds);
        return state.LastAnalysis is { Time: { } last } run && run.Revision == state.Canary
            ? last + interval
            : state.StepStartedAt!.Value + interval;
    }

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>One decision: accumulates events and history while it walks the canary's life.</summary>
    private sealed class Planning(RolloutState state, RolloutInput input)
    {
        private readonly List<WorkflowEvent> _events = [];
        private readonly List<RevisionHistoryEntry> _history = [];
        private readonly string _target = input.Target;
        private readonly DateTimeOffset _now = input.Now;
        private readonly IReadOnlyList<RolloutStep> _steps = input.Spec?.Steps ?? [];
        private readonly AnalysisSpec? _analysis = input.Spec?.Analysis;
        private RolloutState _state = state;
        private TimeSpan? _lookAgain;

        public CanaryDecision Run()
        {
            if (_state.FailedRevision == _target)
            {
                if (input.Annotations.Retry is not { } retry || retry == _state.HandledRetry)
                {
                    return Held();
                }

                _state = _state with { FailedRevision = null, HandledRetry = retry };
                _events.Add(new(false, WorkflowReasons.RolloutRetried, $"retry request {retry}: revision {_target} is rolled out again from the start"));
            }

            if (_state.Canary != _target)
            {
                if (_state.Canary is { } superseded)
                {
                    _history.Add(Entry(superseded, RevisionOutcome.Aborted, $"superseded by revision {_target} before it was promoted"));
                    _events.Add(new(false, WorkflowReasons.CanarySuperseded, $"canary revision {superseded} superseded by revision {_target}"));
                }

                _state = _state.StartCanary(_target, _now);
                _events.Add(new(false, WorkflowReasons.CanaryStarted, input.Spec?.Evaluation is null
                    ? $"canary revision {_target} started next to stable revision {_state.Stable}"
                    : $"canary revision {_target} started next to stable revision {_state.Stable}; its eval Job runs before any traffic"));
            }

            if (input.Annotations.Abort == _target)
            {
                return RollBack(new(WorkflowReasons.Aborted, RevisionOutcome.Aborted, "abort", null, null,
                    $"canary revision {_target} aborted by annotation {WorkflowAnnotations.Abort}"));
            }

            if (input.Annotations.Promote == _target && (_state.Step ?? 0) < _steps.Count)
            {
                _state = _state with { Step = _steps.Count, StepStartedAt = _now, Paused = false };
                _events.Add(new(false, WorkflowReasons.PromotionRequested, $"canary revision {_target} promoted by annotation {WorkflowAnnotations.Promote}: remaining steps and analysis skipped"));

                // The canary was observed at its step's size: it scales to full size first, like after a last step.
                LookAgain(TimeSpan.FromSeconds(1));
                return Decision(CanaryStage.Promoting, $"promoted by annotation: canary revision {_target} scales to full size before it becomes stable", _state.Weight ?? 0);
            }

            if (input.Spec?.Evaluation is { } evaluation && _state.Evaluation is not { Phase: EvaluationPhase.Passed } && (_state.Step ?? 0) < _steps.Count)
            {
                if (Evaluate(evaluation) is { } waiting)
                {
                    return waiting;
                }
            }

            return Step();
        }

        /// <summary>Null when the evaluation passed (the first step starts now); otherwise the decision to wait or roll back.</summary>
        private CanaryDecision? Evaluate(EvaluationSpec evaluation)
        {
            var started = _state.Evaluation is { Revision: var revision, StartedAt: { } at } && revision == _target ? at : _now;
            var job = input.EvaluationJob;
            var observed = input.Evaluation;
            if (observed is null or { Phase: EvaluationPhase.Running })
            {
                _state = _state with
                {
                    Weight = 0,
                    Evaluation = new EvaluationStatus { Revision = _target, Job = job, Phase = EvaluationPhase.Running, StartedAt = started, Message = observed?.Message ?? "the eval Job is being created" },
                };
                var deadline = started + TimeSpan.FromSeconds(evaluation.TimeoutSeconds) + EvaluationGrace;
                if (_now >= deadline)
                {
                    return RollBack(new(WorkflowReasons.EvaluationFailed, RevisionOutcome.RolledBack, "evaluation", null, $">= {Number(evaluation.MinPassRate)}",
                        $"the eval Job of revision {_target} did not report within {evaluation.TimeoutSeconds} s"));
                }

                LookAgain(Min(deadline - _now, EvaluationPoll));
                return Decision(CanaryStage.Evaluating, $"revision {_target}: the eval Job runs against the canary before any traffic ({observed?.Message ?? "starting"})", 0, runEvaluation: true);
            }

            _state = _state with
            {
                Evaluation = new EvaluationStatus
                {
                    Revision = _target,
                    Job = job,
                    Phase = observed.Phase,
                    PassRate = observed.PassRate,
                    Message = observed.Message,
                    StartedAt = started,
                    CompletedAt = _now,
                },
            };
            if (observed.Phase != EvaluationPhase.Passed)
            {
                return RollBack(new(WorkflowReasons.EvaluationFailed, RevisionOutcome.RolledBack, "evaluation",
                    observed.PassRate is { } rate ? Number(rate) : null, $">= {Number(evaluation.MinPassRate)}",
                    $"eval Job of revision {_target} failed: {observed.Message}"));
            }

            _state = _state with { StepStartedAt = _now };
            _events.Add(new(false, WorkflowReasons.EvaluationPassed, $"eval Job of revision {_target} passed: {observed.Message}"));
            return null;
        }

        private CanaryDecision Step()
        {
            var step = Math.Min(_state.Step ?? 0, _steps.Count);
            var promoting = step >= _steps.Count;
            var weight = promoting ? (_steps.Count == 0 ? 0 : _steps[^1].Weight) : _steps[step].Weight;
            _state = _state with { Step = step, Weight = weight };
            var startedAt = _state.StepStartedAt ?? _now;
            var deadline = startedAt + TimeSpan.FromSeconds(input.Spec?.ProgressDeadlineSeconds ?? 600);
            var available = input.CanaryAvailability.Available;

            if (input.Analysis is { } run && ApplyAnalysis(run) is { } rolledBack)
            {
                return rolledBack;
            }

            if (!available || !input.TrafficInEffect)
            {
                var why = !available ? $"canary revision {_target}: {input.CanaryAvailability.Summary}" : $"canary revision {_target}: the traffic weight {weight} % is not in effect";
                if (_now >= deadline)
                {
                    return RollBack(new(WorkflowReasons.ProgressDeadlineExceeded, RevisionOutcome.RolledBack, "progressDeadlineSeconds",
                        null, $"{input.Spec?.ProgressDeadlineSeconds ?? 600} s", $"{why} after {input.Spec?.ProgressDeadlineSeconds ?? 600} s (progressDeadlineSeconds)"));
                }

                LookAgain(deadline - _now);
            }

            if (promoting)
            {
                if (available)
                {
                    return Promote();
                }

                return Decision(CanaryStage.Promoting, $"every step passed: canary revision {_target} scales to full size before it is promoted ({input.CanaryAvailability.Summary})", weight);
            }

            var paused = input.Annotations.Pause || _state.InconclusiveRuns > 0;
            _state = _state with { Paused = paused };
            ScheduleAnalysis();
            var waitsForPromotion = _steps[step].Pause is not null;
            var pauseEnds = waitsForPromotion ? DateTimeOffset.MaxValue : startedAt + TimeSpan.FromSeconds(_steps[step].PauseSeconds ?? _analysis?.IntervalSeconds ?? 0);
            var needsAnalysis = _analysis is not null && weight > 0;
            var analysed = !needsAnalysis || _state.LastAnalysis is { Verdict: Verdict.Successful, Time: { } time } last && last.Revision == _target && time >= startedAt;
            var position = $"step {step + 1}/{_steps.Count} at weight {weight} %";

            if (paused)
            {
                var why = input.Annotations.Pause
                    ? $"paused by annotation {WorkflowAnnotations.Pause}; analysis still runs and a breach still rolls back"
                    : $"{_state.InconclusiveRuns} inconclusive analysis run(s) in a row: {Summary(_state.LastAnalysis)}; neither promoted nor rolled back";
                return Decision(CanaryStage.Paused, $"canary revision {_target} {position}: {why}", weight);
            }

            if (available && input.TrafficInEffect && _now >= pauseEnds && analysed)
            {
                var next = step + 1;
                _state = _state with { Step = next, StepStartedAt = _now };
                if (next >= _steps.Count)
                {
                    _events.Add(new(false, WorkflowReasons.StepsPassed, $"canary revision {_target} passed all {_steps.Count} step(s); it scales to full size and is promoted once available"));
                    LookAgain(TimeSpan.FromSeconds(1));
                    return Decision(CanaryStage.Promoting, $"every step passed: canary revision {_target} scales to full size before it is promoted", weight);
                }

                var nextWeight = _steps[next].Weight;
                _state = _state with { Weight = nextWeight };
                _events.Add(new(false, WorkflowReasons.StepAdvanced, $"canary revision {_target}: step {next + 1}/{_steps.Count}, weight {nextWeight} %"
                    + (_steps[next].Pause is null ? "" : "; this step waits for promotion")));
                LookAgain(TimeSpan.FromSeconds(1));
                return Decision(CanaryStage.Stepping, $"canary revision {_target} step {next + 1}/{_steps.Count} at weight {nextWeight} %", nextWeight);
            }

            if (waitsForPromotion)
            {
                // pause: {} ends only by the promote annotation, handled in Run(): this decision repeats until then.
                var held = !available || !input.TrafficInEffect ? "waiting for the canary to be available, then" : "holds:";
                return Decision(CanaryStage.AwaitingPromotion,
                    $"canary revision {_target} {position} {held} waiting for promotion (kubectl agents promote {_target}, or annotation {WorkflowAnnotations.Promote}={_target}); analysis still runs and a breach still rolls back", weight);
            }

            if (_now < pauseEnds)
            {
                LookAgain(pauseEnds - _now);
            }

            var waiting = !available || !input.TrafficInEffect ? "waiting for the canary to be available"
                : _now < pauseEnds ? $"holding until {pauseEnds:O}"
                : "waiting for a successful analysis run in this step";
            return Decision(CanaryStage.Stepping, $"canary revision {_target} {position}: {waiting}", weight);
        }

        /// <summary>Counts the run; returns the rollback decision when failures pass the limit.</summary>
        private CanaryDecision? ApplyAnalysis(AnalysisRun run)
        {
            _state = _state.WithAnalysis(run);
            switch (run.Verdict)
            {
                case Verdict.Failed:
                    _state = _state with { FailedRuns = _state.FailedRuns + 1, InconclusiveRuns = 0 };
                    var failed = run.Metrics?.FirstOrDefault(m => m.Verdict == Verdict.Failed);
                    var limit = _analysis?.FailureLimit ?? 0;
                    if (_state.FailedRuns > limit)
                    {
                        var name = failed?.Name ?? "analysis";
                        return RollBack(new(WorkflowReasons.AnalysisFailed, RevisionOutcome.RolledBack, name, failed?.Value, failed?.Threshold,
                            $"canary revision {_target} failed analysis ({_state.FailedRuns} failed run(s), failureLimit {limit}): {failed?.Message ?? $"{name} = {failed?.Value}, threshold {failed?.Threshold}"}"));
                    }

                    _events.Add(new(true, WorkflowReasons.AnalysisFailed, $"canary revision {_target}: analysis run failed ({_state.FailedRuns} of {limit} tolerated): {failed?.Message}"));
                    break;
                case Verdict.Inconclusive:
                    _state = _state with { InconclusiveRuns = _state.InconclusiveRuns + 1 };
                    if (_state.InconclusiveRuns == 1)
                    {
                        _events.Add(new(true, WorkflowReasons.AnalysisInconclusive, $"canary revision {_target} paused: analysis inconclusive ({Summary(run)})"));
                    }

                    break;
                default:
                    if (_state.InconclusiveRuns > 0)
                    {
                        _events.Add(new(false, WorkflowReasons.AnalysisResumed, $"canary revision {_target}: analysis conclusive again, the rollout continues"));
                    }

                    _state = _state with { InconclusiveRuns = 0 };
                    break;
            }

            return null;
        }

        private void ScheduleAnalysis()
        {
            if (_analysis is not null && (_state.Weight ?? 0) > 0 && _state.StepStartedAt is not null)
            {
                LookAgain(NextAnalysisAt(_state, _analysis) - _now);
            }
        }

        private CanaryDecision Promote()
        {
            var previous = _state.Stable;
            _history.Add(Entry(_target, RevisionOutcome.Promoted, previous is null ? "promoted" : $"promoted; replaces revision {previous}"));
            _events.Add(new(false, WorkflowReasons.RevisionPromoted, $"canary revision {_target} promoted to stable" + (previous is null ? "" : $"; revision {previous} is scaled down and its identity removed")));
            _state = _state.EndCanary() with { Stable = _target };
            return Decision(CanaryStage.Promoted, $"revision {_target} is the stable revision", 0);
        }

        private CanaryDecision RollBack(RollbackCause cause)
        {
            _history.Add(Entry(_target, cause.Outcome, cause.Message));
            _events.Add(new(true, cause.Outcome == RevisionOutcome.Aborted ? WorkflowReasons.Aborted : WorkflowReasons.RolledBack, cause.Message));
            _state = _state.EndCanary() with { FailedRevision = _target };
            return Decision(CanaryStage.RolledBack, $"revision {_target} was rolled back: {cause.Message}; stable revision {_state.Stable} serves", 0, rollback: cause);
        }

        private CanaryDecision Held() => Decision(CanaryStage.RolledBack,
            $"revision {_target} was rolled back and is not retried until the spec changes or annotation {WorkflowAnnotations.Retry} is set to a new value; stable revision {_state.Stable} serves", 0);

        private CanaryDecision Decision(CanaryStage stage, string message, int weight, bool runEvaluation = false, RollbackCause? rollback = null) =>
            new(_state, stage, message, weight, runEvaluation, rollback,
                _analysis is not null && _state.InconclusiveRuns > _analysis.InconclusiveLimit,
                _events, _history, _lookAgain);

        private void LookAgain(TimeSpan delay)
        {
            delay = delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay;
            _lookAgain = _lookAgain is { } current && current <= delay ? current : delay;
        }

        private RevisionHistoryEntry Entry(string revision, RevisionOutcome outcome, string reason) =>
            new() { Revision = revision, Outcome = outcome, Reason = reason, Time = _now };

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        private static string Summary(AnalysisRun? run) =>
            run?.Metrics?.FirstOrDefault(m => m.Verdict == Verdict.Inconclusive)?.Message ?? "no conclusive data";
    }
}
