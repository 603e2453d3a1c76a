namespace AgentOperator.SampleAgent;

/// <summary>What the sample agent does.</summary>
public enum AgentMode
{
    /// <summary>Start runs at the configured rate until MaxRuns or cancellation.</summary>
    Run,

    /// <summary>Run a fixed number of eval tasks, write the pass ratio as the termination message, exit 0.</summary>
    Eval,
}
