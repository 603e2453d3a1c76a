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
/// </summary>
public sealed class RunRegistry(GatewayMetrics metrics, AuditLog audit, TimeProvider timeProvider, TimeSpan retention)
{
    private readonly ConcurrentDictionary<string, RunState> _runs = new(StringComparer.Ordinal);

    /// <summary>Starts a run under <paramref name="bundle"/>.</summary>
    public RunState Start(PolicyBundle bundle, string? task)
    {
        ForgetEnded();
        var id = "run-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var labels = new MetricLabels(bundle.Workflow.Name, bundle.Revision);
        var activity = GatewayTelemetry.Source.StartActivity($"{GatewayTelemetry.OperationInvokeAgent} {bundle.Workflow.Name}", ActivityKind.Server, parentContext: default);
        activity?.SetTag(GatewayTelemetry.GenAiOperationName, GatewayTelemetry.OperationInvokeAgent);
        activity?.SetTag(GatewayTelemetry.GenAiAgentName, bundle.Workflow.Name);
        activity?.SetTag(GatewayTelemetry.AgentWorkflow, bundle.Workflow.Name);
        activity?.SetTag(GatewayTelemetry.AgentRevision, bundle.Revision);
        activity?.SetTag(GatewayTelemetry.AgentRunId, id);
        var run = new RunState(new RunLedger(id, bundle.Budgets, timeProvider, task), labels, activity);
        _runs[id] = run;
        audit.Append(new AuditRecord
        {
            Time = timeProvider.GetUtcNow(),
            Kind = AuditKinds.RunStarted,
            Workflow = labels.Workflow,
            Revision = labels.Revision,
            RunId = id,
        });
        return run;
    }

    /// <summary>The run, or null when unknown (never started, or forgotten).</summary>
    public RunState? Find(string runId) => _runs.TryGetValue(runId, out var run) ? run : null;

    /// <summary>Runs not yet ended.</summary>
    public int ActiveCount => _runs.Values.Count(r => r.Outcome is null);

    /// <summary>
    /// Ends <paramref name="run"/> with <paramref name="outcome"/>; false when it had already ended.
    /// <paramref name="budget"/> names the budget for budget_exceeded.
    /// </summary>
    public bool End(RunState run, string outcome, string? budget = null, bool? evalPassed = null)
    {
        var now = timeProvider.GetUtcNow();
        if (!run.TryEnd(outcome, now))
        {
            return false;
        }

        if (outcome != RunOutcomes.BudgetExceeded)
        {
            run.Ledger.Terminate("completed");
        }

        var duration = now - run.Ledger.StartedAt;
        metrics.RunCompleted(run.Labels, outcome, duration);
        if (evalPassed is { } passed)
        {
            metrics.Evaluation(run.Labels, passed);
        }

        var usage = run.Ledger.Committed;
        audit.Append(new AuditRecord
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

    private void ForgetEnded()
    {
        var cutoff = timeProvider.GetUtcNow() - retention;
        foreach (var (id, run) in _runs)
        {
            if (run.EndedAt is { } ended && ended < cutoff)
            {
                _runs.TryRemove(KeyValuePair.Create(id, run));
            }
        }
    }
}
