namespace AgentOperator.Operator.Analysis;

/// <summary>The metric source could not be reached or answered with an error: the analysis run is inconclusive.</summary>
internal sealed class AnalysisSourceUnavailableException : Exception
{
    public AnalysisSourceUnavailableException()
    {
    }

    public AnalysisSourceUnavailableException(string message)
        : base(message)
    {
    }

    public AnalysisSourceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
