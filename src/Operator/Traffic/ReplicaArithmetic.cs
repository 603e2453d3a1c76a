namespace AgentOperator.Operator.Traffic;

/// <summary>Integer shares of N replicas at a weight in percent, shared by both providers.</summary>
internal static class ReplicaArithmetic
{
    /// <summary>⌈N·w/100⌉.</summary>
    public static int Ceiling(int replicas, int weight) => ((replicas * weight) + 99) / 100;

    /// <summary>⌊N·w/100⌋.</summary>
    public static int Floor(int replicas, int weight) => replicas * weight / 100;

    /// <summary>Throws unless N ≥ 0 and 0 ≤ w ≤ 100.</summary>
    public static void Validate(int replicas, int weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weight, 100);
    }
}
