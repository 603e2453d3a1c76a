using AgentOperator.Operator.Runtime.Reconciliation;

namespace AgentOperator.Operator.Runtime.LeaderElection;

/// <summary>The controllers' workers during one term of leadership (or the whole run without leader election).</summary>
internal sealed class LeadershipTerm : IDisposable
{
    private readonly CancellationTokenSource _stopTaking = new();
    private readonly CancellationTokenSource _abort = new();

    private LeadershipTerm(IReadOnlyList<IController> controllers)
    {
        foreach (var controller in controllers)
        {
            // The previous leader may have died mid-reconcile; level-based reconciles make looking at everything safe.
            controller.EnqueueAll();
        }

        Completion = Task.WhenAll(controllers.Select(c => c.RunWorkersAsync(_stopTaking.Token, _abort.Token)));
    }

    /// <summary>Completes when every worker has returned.</summary>
    public Task Completion { get; }

    public static LeadershipTerm Start(IReadOnlyList<IController> controllers) => new(controllers);

    /// <summary>Leadership is gone: cancel everything now, another replica may already be reconciling.</summary>
    public void Abort()
    {
        _stopTaking.Cancel();
        _abort.Cancel();
    }

    /// <summary>Graceful end: take no more keys, let reconciles in flight finish within <paramref name="drainTimeout"/>, then cancel them.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        await _stopTaking.CancelAsync();
        try
        {
            await Completion.WaitAsync(drainTimeout);
        }
        catch (TimeoutException)
        {
            await _abort.CancelAsync();
            await Completion;
        }
    }

    public void Dispose()
    {
        _stopTaking.Dispose();
        _abort.Dispose();
    }
}
