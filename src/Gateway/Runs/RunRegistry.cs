using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Audit;
using AgentOperator.Gateway.Telemetry;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.RunBudgets;

namespace AgentOperator.Gateway.Runs;

/// <summary>
/// The runs of this gateway. A run's budgets start when it is created; it ends when the agent completes it
/// or a budget terminates it, which is counted once in agent_runs_total, observed in
/// agent_run_duration_seconds, audited, and ends the run's span. Ended runs are forgotten after a retention.
/// At most <see cref="RunLimits.MaxOpenRuns"/> runs are open at once; a run idle for <see cref="RunLimits.IdleTimeout"/>
/// ends as failed with the rule <see cref="IdleRule"/>, so abandoned runs neither hold memory nor block new ones.
/// </summary>
public sealed class RunRegistry : IDisposable
{
    /// <summary>The rule recorded when an idle run expires.</summary>
    public const string IdleRule = "run.idle-timeout";

    private readonly ConcurrentDictionary<string, RunState> _runs = new(StringComparer.Ordinal);
    private readonly Lock _starting = new();
    private readonly GatewayMetrics _metrics;
    private readonly AuditLog _audit;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _retention;
    private readonly RunLimits _limits;
    private readonly ITimer _sweeper;

    public RunRegistry(GatewayMetrics metrics, AuditLog audit, TimeProvider timeProvider, TimeSpan retention, RunLimits limits)
    {
        _metrics = metrics;
        _audit = audit;
        _timeProvider = timeProvider;
        _retention = retention;
        _limits = limits;
        // Idle runs end on time even when no request comes to notice them.
        var period = TimeSpan.FromTicks(Math.Clamp(limits.IdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond * 30));
        _sweeper = timeProvider.CreateTimer(_ => ExpireIdle(), null, period, period);
    }

    /// <summary>Starts a run under <paramref name="bundle"/>; null when <see cref="RunLimits.MaxOpenRuns"/> runs are open.</summary>
    public RunState? Start(PolicyBundle bundle, string? task)
    {
        ForgetEnded();
        ExpireIdle();
        lock (_starting)
        {
            return ActiveCount >= _limits.MaxOpenRuns ? null : Open(bundle, task);
        }
    }

    private RunState Open(PolicyBundle bundle, string? task)
    {
        var id = "run-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var labels = new MetricLabels(bundle.Workflow.Name, bundle.Revision);
        var activity = GatewayTelemetry.Source.StartActivity($"{GatewayTelemetry.OperationInvokeAgent} {bundle.Workflow.Name}", ActivityKind.Server, parentContext: default);
        activity?.SetTag(GatewayTelemetry.GenAiOperationName, GatewayTelemetry.OperationInvokeAgent);
        activity?.SetTag(GatewayTelemetry.GenAiAgentName, bundle.Workflow.Name);
        activity?.SetTag(GatewayTelemetry.AgentWorkflow, bundle.Workflow.Name);
        activity?.SetTag(GatewayTelemetry.AgentRevision, bundle.Revision);
        activity?.SetTag(GatewayTelemetry.AgentRunId, id);
        var run = new RunState(new RunLedger(id, bundle.Budgets, _timeProvider, task), labels, activity);
        _runs[id] = run;
        _audit.Append(new AuditRecord
        {
            Time = _timeProvider.GetUtcNow(),
            Kind = AuditKinds.RunStarted,
            Workflow = labels.Workflow,
            Revision = labels.Revision,
            RunId = id,
        });
        return run;
    }

    /// <summary>The run, or null when unknown (never started, or forgotten); an open run found is no longer idle.</summary>
    public RunState? Find(string runId)
    {
        if (!_runs.TryGetValue(runId, out var run))
        {
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        if (run.Outcome is null && now - run.LastActivity >= _limits.IdleTimeout)
        {
            End(run, RunOutcomes.Failed, IdleRule);
        }

        run.Touch(now);
        return run;
    }

    /// <summary>Stops the idle sweep.</summary>
    public void Dispose() => _sweeper.Dispose();

    /// <summary>Runs not yet ended.</summary>
    public int ActiveCount => _runs.Values.Count(r => r.Outcome is null);

    /// <summary>
    /// Ends <paramref name="run"/> with <paramref name="outcome"/>; false when it had already ended.
    /// <paramref name="budget"/> names the budget for budget_exceeded, or <see cref="IdleRule"/> for an expired run.
    /// </summary>
    public bool End(RunState run, string outcome, string? budget = null, bool? evalPassed = null)
    {
        var now = _timeProvider.GetUtcNow();
        if (!run.TryEnd(outcome, now))
        {
            return false;
        }

        if (outcome != RunOutcomes.BudgetExceeded)
        {
            run.Ledger.Terminate("completed");
        }

        var duration = now - run.Ledger.StartedAt;
        _metrics.RunCompleted(run.Labels, outcome, duration);
        if (evalPassed is { } passed)
        {
            _metrics.Evaluation(run.Labels, passed);
        }

        var usage = run.Ledger.Committed;
        _audit.Append(new AuditRecord
        {
            Time = now,
            Kind = AuditKinds.RunCompleted,
            Workflow = run.Labels.Workflow,
            Revision = run.Labels.Revision,
            RunId = run.Id,
            Outcome = outcome,
            Rule = budget,
            InputTokens = usage.Tokens,
            CostUsd = (decimal)usage.CostUsd,
            DurationMs = duration.TotalMilliseconds,
        });
        if (run.Activity is { } activity)
        {
            activity.SetTag("agent.outcome", outcome);
            if (budget is not null)
            {
                activity.SetTag(GatewayTelemetry.AgentRule, budget);
            }

            activity.SetStatus(outcome == RunOutcomes.Success ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            activity.Stop();
        }

        return true;
    }

    private void ExpireIdle()
    {
        var cutoff = _timeProvider.GetUtcNow() - _limits.IdleTimeout;
        foreach (var run in _runs.Values)
        {
            if (run.Outcome is null && run.LastActivity <= cutoff)
            {
                End(run, RunOutcomes.Failed, IdleRule);
            }
        }
    }

    private void ForgetEnded()
    {
        var cutoff = _timeProvider.GetUtcNow() - _retention;
        foreach (var (id, run) in _runs)
        {
            if (run.EndedAt is { } ended && ended < cutoff)
            {
                _runs.TryRemove(KeyValuePair.Create(id, run));
            }
        }
    }
}
