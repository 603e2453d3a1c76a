using System.Collections.Concurrent;

namespace AgentOperator.SampleAgent;

/// <summary>Thread-safe counters behind a <see cref="SampleAgentReport"/>; runs update them concurrently.</summary>
internal sealed class ReportCounters
{
    private readonly ConcurrentDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, int> _modelCalls = new();
    private readonly ConcurrentDictionary<int, int> _toolCalls = new();
    private int _runsStarted;
    private int _runsRefused;
    private int _violatingCalls;
    private int _violationsAllowed;
    private int _approvalsRequested;

    public void RunStarted() => Interlocked.Increment(ref _runsStarted);

    public void RunRefused() => Interlocked.Increment(ref _runsRefused);

    public void Completed(string outcome) => _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public void ModelCall(int status) => _modelCalls.AddOrUpdate(status, 1, (_, n) => n + 1);

    public void ToolCall(int status) => _toolCalls.AddOrUpdate(status, 1, (_, n) => n + 1);

    public void Violation(bool allowed)
    {
        Interlocked.Increment(ref _violatingCalls);
        if (allowed)
        {
            Interlocked.Increment(ref _violationsAllowed);
        }
    }

    public void ApprovalRequested() => Interlocked.Increment(ref _approvalsRequested);

    public SampleAgentReport Snapshot(double? evalPassRatio) => new(
        Volatile.Read(ref _runsStarted),
        Volatile.Read(ref _runsRefused),
        new SortedDictionary<string, int>(_outcomes, StringComparer.Ordinal),
        new SortedDictionary<int, int>(_modelCalls),
        new SortedDictionary<int, int>(_toolCalls),
        Volatile.Read(ref _violatingCalls),
        Volatile.Read(ref _violationsAllowed),
        Volatile.Read(ref _approvalsRequested),
        evalPassRatio);
}
