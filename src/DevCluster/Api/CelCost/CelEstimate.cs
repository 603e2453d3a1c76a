namespace AgentOperator.DevCluster.Api.CelCost;

/// <summary>
/// A range of CEL cost units or of sizes (string length, list items, map entries), as cel-go's checker.CostEstimate
/// and checker.SizeEstimate: every operation saturates at <see cref="ulong.MaxValue"/> instead of overflowing.
/// </summary>
internal readonly record struct CelEstimate(ulong Min, ulong Max)
{
    /// <summary>What cel-go assumes for a size it cannot know: 0 to the largest uint64.</summary>
    public static readonly CelEstimate Unknown = new(0, ulong.MaxValue);

    public static readonly CelEstimate Zero = new(0, 0);

    public static CelEstimate Fixed(ulong value) => new(value, value);

    public CelEstimate Add(CelEstimate other) => new(Add(Min, other.Min), Add(Max, other.Max));

    public CelEstimate Multiply(CelEstimate other) => new(Multiply(Min, other.Min), Multiply(Max, other.Max));

    /// <summary>Each bound times <paramref name="factor"/>, rounded up (cel-go's MultiplyByCostFactor).</summary>
    public CelEstimate MultiplyByFactor(double factor) => new(ByFactor(Min, factor), ByFactor(Max, factor));

    /// <summary>The range covering both.</summary>
    public CelEstimate Union(CelEstimate other) => new(Math.Min(Min, other.Min), Math.Max(Max, other.Max));

    public static ulong Add(ulong x, ulong y) => y > 0 && x > ulong.MaxValue - y ? ulong.MaxValue : x + y;

    public static ulong Multiply(ulong x, ulong y) => y != 0 && x > ulong.MaxValue / y ? ulong.MaxValue : x * y;

    private static ulong ByFactor(ulong x, double factor)
    {
        var value = (double)x;
        if (value > 0 && factor > 0 && value > ulong.MaxValue / factor)
        {
            return ulong.MaxValue;
        }

        var ceiling = Math.Ceiling(value * factor);
        return ceiling >= 18446744073709551616.0 ? ulong.MaxValue : (ulong)ceiling;
    }
}
