namespace AgentOperator.SampleAgent;

/// <summary>Outcomes a run is completed with (DESIGN.md's agent-facing API).</summary>
public static class RunOutcomes
{
    public const string Success = "success";
    public const string Escalated = "escalated";
    public const string Failed = "failed";

    /// <summary>The worse of two outcomes: failed over escalated over success.</summary>
    public static string Worse(string a, string b) => Severity(a) >= Severity(b) ? a : b;

    private static int Severity(string outcome) => outcome switch
    {
        Failed => 2,
        Escalated => 1,
        _ => 0,
    };
}
