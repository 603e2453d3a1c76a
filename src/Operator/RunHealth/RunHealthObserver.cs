using System.Collections.Concurrent;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Analysis;
using AgentOperator.Operator.Runtime;
using AgentOperator.Operator.Workflows;

namespace AgentOperator.Operator.RunHealth;

/// <summary>
/// Reads what a workflow's live revisions' runs did from the source canary analysis already reads (the spec's provider
/// or the operator's override), at most every <see cref="AnalysisOptions.RunHealthInterval"/>, and reports each
/// refusal cause that occurred since the last read as a Warning Event whose count grows by the calls it refused.
/// Needs no privilege beyond what analysis has: the gateways' counters, never the pods or their audit files.
/// </summary>
internal sealed class RunHealthObserver(IMetricAnalysisProviderFactory providers, AnalysisOptions options, WorkflowEventRecorder events)
{
    // Totals-only sources (the aggregates document): the previous totals per workflow and cause, to count what is new.
    private readonly ConcurrentDictionary<ObjectKey, IReadOnlyDictionary<string, double>> _previousTotals = new();

    public TimeSpan Interval => options.RunHealthInterval;

    /// <summary>When the next read is due for a status observed at <paramref name="observedAt"/>; null: due now.</summary>
    public TimeSpan? NotDueFor(DateTimeOffset? observedAt, DateTimeOffset now) =>
        observedAt is { } at && now - at < options.RunHealthInterval && at <= now ? options.RunHealthInterval - (now - at) : null;

    /// <summary>
    /// One read for <paramref name="revisions"/> of <paramref name="workflow"/>; the previous summary's time bounds what
    /// counts as new for the Events. Source failures become an Unknown assessment naming the source's problem.
    /// </summary>
    public async Task<RunHealthAssessment> ObserveAsync(AgentWorkflow workflow, IReadOnlyCollection<string> revisions, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(revisions);
        var key = ObjectKey.Of(workflow);
        var provider = providers.For(workflow.Spec.Rollout?.Analysis ?? new AnalysisSpec());
        var window = options.RunHealthWindow;
        try
        {
            var activity = await SumAsync(provider, workflow, revisions, window, ct);
            var assessment = RunHealthAssessment.Of(activity, window, now);
            await ReportNewRefusalsAsync(key, provider, workflow, revisions, activity, workflow.Status?.Runs?.ObservedAt, now, ct);
            return assessment;
        }
        catch (Exception e) when (e is AnalysisSourceUnavailableException or AnalysisQueryException)
        {
            var summary = new RunsSummary { WindowSeconds = (int)window.TotalSeconds, ObservedAt = now };
            return new(ConditionStatus.Unknown, RunHealthAssessment.MetricsUnavailable, $"run outcomes cannot be read: {e.Message}", summary);
        }
    }

    public void Forget(ObjectKey key) => _previousTotals.TryRemove(key, out _);

    private static async Task<RunActivity> SumAsync(IMetricAnalysisProvider provider, AgentWorkflow workflow, IReadOnlyCollection<string> revisions, TimeSpan window, CancellationToken ct)
    {
        var sum = RunActivity.None;
        foreach (var revision in revisions)
        {
            var scope = new RevisionScope(workflow.Metadata.NamespaceProperty, workflow.Metadata.Name, revision, window);
            sum = sum.Plus(await provider.RunActivityAsync(scope, ct));
        }

        return sum;
    }

    private async Task ReportNewRefusalsAsync(ObjectKey key, IMetricAnalysisProvider provider, AgentWorkflow workflow, IReadOnlyCollection<string> revisions,
        RunActivity current, DateTimeOffset? previousRead, DateTimeOffset now, CancellationToken ct)
    {
        IReadOnlyList<RefusalCause> fresh;
        if (current.Windowed)
        {
            // A windowed source answers "how many since the last read" exactly: ask it for that span.
            var since = previousRead is { } at && at < now ? now - at : options.RunHealthWindow;
            var recent = since >= options.RunHealthWindow ? current : await SumAsync(provider, workflow, revisions, since, ct);
            fresh = RefusalCause.From(recent.RefusalsByRule, recent.ToolErrorsByTool);
        }
        else
        {
            var totals = RefusalCause.From(current.RefusalsByRule, current.ToolErrorsByTool);
            var previous = _previousTotals.GetValueOrDefault(key);
            _previousTotals[key] = totals.ToDictionary(c => c.Sentence, c => c.Count, StringComparer.Ordinal);
            // A total below the previous one means a gateway restarted: its count starts again from zero.
            fresh = [.. totals.Select(c => c with { Count = previous?.GetValueOrDefault(c.Sentence) is { } before && before <= c.Count ? c.Count - before : c.Count })
                .Where(c => c.Count >= 1)];
        }

        foreach (var cause in fresh)
        {
            await events.RecordCountedAsync(workflow, new WorkflowEvent(true, cause.EventReason, cause.Sentence), (int)Math.Min(cause.Count, int.MaxValue), ct);
        }
    }
}
