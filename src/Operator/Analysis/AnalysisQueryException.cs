namespace AgentOperator.Operator.Analysis;

/// <summary>
/// The source answered but rejected or could not use the query (PromQL syntax, a JSON path that does not parse,
/// several series where one value is needed): a defect in the spec, so the metric fails with this message.
/// </summary>
internal sealed class AnalysisQueryException : Exception
{
    public AnalysisQueryException()
    {
    }

    public AnalysisQueryException(string message)
        : base(message)
    {
    }

    public AnalysisQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
