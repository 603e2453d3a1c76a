using System.Collections.Concurrent;
using AgentOperator.Contracts;
using Prometheus;
using static AgentOperator.Contracts.AgentMetrics.Labels;

namespace AgentOperator.Gateway.Telemetry;

/// <summary>
/// The gateway's Prometheus metrics, with the names and labels of <see cref="AgentMetrics"/>, the contract between
/// gateway, Prometheus and the operator's analysis. Each gateway instance has its own registry, so
/// several gateways can run in one process (dev mode, tests) without sharing counts.
/// </summary>
public sealed class GatewayMetrics
{
    private static readonly double[] RunDurationBuckets = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
    private static readonly double[] ToolDurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Counter _runs;
    private readonly Counter _toolCalls;
    private readonly Counter _violations;
    private readonly Counter _escalations;
    private readonly Counter _tokens;
    private readonly Counter _cost;
    private readonly Histogram _runDuration;
    private readonly Histogram _toolCallDuration;
    private readonly Gauge _evalPassRatio;
    private readonly Lock _evalLock = new();
    private readonly Dictionary<(string, string), (long Passed, long Total)> _evals = [];

    // The labelled children of the per-call metrics, looked up without building label arrays on every call.
    private readonly ConcurrentDictionary<(MetricLabels Labels, string Tool, string Decision), (Counter.Child Calls, Histogram.Child Duration)> _toolCallChildren = new();
    private readonly ConcurrentDictionary<(MetricLabels Labels, string Rule), Counter.Child> _violationChildren = new();

    public GatewayMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _runs = factory.CreateCounter(AgentMetrics.Runs, "Completed agent runs by outcome (success, escalated, failed, budget_exceeded).", Workflow, Revision, Outcome);
        _toolCalls = factory.CreateCounter(AgentMetrics.ToolCalls, "Tool calls by decision (allow, deny, escalate, error).", Workflow, Revision, Tool, Decision);
        _violations = factory.CreateCounter(AgentMetrics.PolicyViolations, "Calls refused by a policy rule, budget or built-in check, by rule (escalations to a human are agent_escalations_total).", Workflow, Revision, Rule);
        _escalations = factory.CreateCounter(AgentMetrics.Escalations, "Calls escalated to a human approval.", Workflow, Revision);
        _tokens = factory.CreateCounter(AgentMetrics.Tokens, "Model tokens (prompt + completion) by role and model.", Workflow, Revision, Role, Model);
        _cost = factory.CreateCounter(AgentMetrics.Cost, "Model cost in USD accounted from usage.", Workflow, Revision);
        _runDuration = factory.CreateHistogram(AgentMetrics.RunDuration, "Run wall time from start to completion.", new HistogramConfiguration
        {
            LabelNames = [Workflow, Revision, Outcome],
            Buckets = RunDurationBuckets,
        });
        _toolCallDuration = factory.CreateHistogram(AgentMetrics.ToolCallDuration, "Tool call time inside the gateway, upstream included.", new HistogramConfiguration
        {
            LabelNames = [Workflow, Revision, Tool, Decision],
            Buckets = ToolDurationBuckets,
        });
        _evalPassRatio = factory.CreateGauge(AgentMetrics.EvalPassRatio, "Share of evaluated runs whose evaluation passed.", Workflow, Revision);
    }

    /// <summary>The registry served on /metrics.</summary>
    public CollectorRegistry Registry { get; }

    public void RunCompleted(MetricLabels labels, string outcome, TimeSpan duration)
    {
        _runs.WithLabels(labels.Workflow, labels.Revision, outcome).Inc();
        _runDuration.WithLabels(labels.Workflow, labels.Revision, outcome).Observe(duration.TotalSeconds);
    }

    /// <summary>Counts a tool call; <paramref name="decision"/> is allow, deny, escalate or error.</summary>
    public void ToolCall(MetricLabels labels, string tool, string decision, TimeSpan duration)
    {
        var (calls, time) = _toolCallChildren.GetOrAdd((labels, tool, decision), static (key, self) => (
            self._toolCalls.WithLabels(key.Labels.Workflow, key.Labels.Revision, key.Tool, key.Decision),
            self._toolCallDuration.WithLabels(key.Labels.Workflow, key.Labels.Revision, key.Tool, key.Decision)), this);
        calls.Inc();
        time.Observe(duration.TotalSeconds);
    }

    public void PolicyViolation(MetricLabels labels, string rule) =>
        _violationChildren.GetOrAdd((labels, rule), static (key, self) => self._violations.WithLabels(key.Labels.Workflow, key.Labels.Revision, key.Rule), this).Inc();

    public void Escalation(MetricLabels labels) => _escalations.WithLabels(labels.Workflow, labels.Revision).Inc();

    public void Tokens(MetricLabels labels, string role, string model, long tokens)
    {
        if (tokens > 0)
        {
            _tokens.WithLabels(labels.Workflow, labels.Revision, role, model).Inc(tokens);
        }
    }

    public void Cost(MetricLabels labels, decimal usd)
    {
        if (usd > 0)
        {
            _cost.WithLabels(labels.Workflow, labels.Revision).Inc((double)usd);
        }
    }

    /// <summary>Records one evaluated run and updates agent_eval_pass_ratio.</summary>
    public void Evaluation(MetricLabels labels, bool passed)
    {
        double ratio;
        lock (_evalLock)
        {
            var key = (labels.Workflow, labels.Revision);
            var (p, t) = _evals.GetValueOrDefault(key);
            (p, t) = (p + (passed ? 1 : 0), t + 1);
            _evals[key] = (p, t);
            ratio = (double)p / t;
        }

        _evalPassRatio.WithLabels(labels.Workflow, labels.Revision).Set(ratio);
    }

    /// <summary>Totals by workflow and revision, read from the same counters Prometheus scrapes.</summary>
    public IReadOnlyList<RevisionAggregates> Aggregates()
    {
        var result = new Dictionary<(string, string), RevisionAggregates>();
        RevisionAggregates For(string workflow, string revision) =>
            result.TryGetValue((workflow, revision), out var a) ? a : result[(workflow, revision)] = new RevisionAggregates { Workflow = workflow, Revision = revision };

        foreach (var l in _runs.GetAllLabelValues())
        {
            var a = For(l[0], l[1]);
            a.RunsByOutcome[l[2]] = a.RunsByOutcome.GetValueOrDefault(l[2]) + (long)_runs.WithLabels(l).Value;
        }

        foreach (var l in _toolCalls.GetAllLabelValues())
        {
            var a = For(l[0], l[1]);
            a.ToolCallsByDecision[l[3]] = a.ToolCallsByDecision.GetValueOrDefault(l[3]) + (long)_toolCalls.WithLabels(l).Value;
        }

        foreach (var l in _violations.GetAllLabelValues())
        {
            var a = For(l[0], l[1]);
            a.ViolationsByRule[l[2]] = a.ViolationsByRule.GetValueOrDefault(l[2]) + (long)_violations.WithLabels(l).Value;
        }

        foreach (var l in _escalations.GetAllLabelValues())
        {
            For(l[0], l[1]).Escalations += (long)_escalations.WithLabels(l).Value;
        }

        foreach (var l in _tokens.GetAllLabelValues())
        {
            For(l[0], l[1]).Tokens += (long)_tokens.WithLabels(l).Value;
        }

        foreach (var l in _cost.GetAllLabelValues())
        {
            For(l[0], l[1]).CostUsd += _cost.WithLabels(l).Value;
        }

        foreach (var l in _evalPassRatio.GetAllLabelValues())
        {
            For(l[0], l[1]).EvalPassRatio = _evalPassRatio.WithLabels(l).Value;
        }

        return [.. result.Values];
    }
}
