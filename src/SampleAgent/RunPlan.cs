namespace AgentOperator.SampleAgent;

/// <summary>What one run sets out to do.</summary>
/// <param name="Index">0-based run number.</param>
/// <param name="Outcome">The outcome the run reports when every call goes as expected: success, escalated or failed.</param>
/// <param name="Violates">Whether the run makes one policy-violating call.</param>
/// <param name="Task">The task text sent when the run starts.</param>
public sealed record RunPlan(long Index, string Outcome, bool Violates, string Task);
