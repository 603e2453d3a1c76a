namespace AgentOperator.Operator.Analysis;

/// <summary>One measured value and the number of samples (runs or tool calls) behind it; a null value means no data.</summary>
internal sealed record Measurement(double? Value, double SampleSize)
{
    public static Measurement NoData { get; } = new(null, 0);
}
