using AgentOperator.Contracts;

namespace AgentOperator.SampleAgent;

/// <summary>Orders the outcomes a run is completed with (<see cref="RunOutcomes"/>, the gateway's agent-facing contract).</summary>
public static class OutcomeSeverity
{
    /// <summary>The worse of two outcomes: failed over escalated over success.</summary>
    public static string Worse(string a, string b) => Severity(a) >= Severity(b) ? a : b;

    private static int Severity(string outcome) => outcome switch
    {
        RunOutcomes.Failed => 2,
        RunOutcomes.Escalated => 1,
        _ => 0,
    };
}
