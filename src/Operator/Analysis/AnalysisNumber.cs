using System.Globalization;

namespace AgentOperator.Operator.Analysis;

/// <summary>Numbers as status shows them: invariant culture, six significant digits, and Prometheus's spelling of NaN and infinities.</summary>
internal static class AnalysisNumber
{
    public static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("G6", CultureInfo.InvariantCulture),
    };
}
