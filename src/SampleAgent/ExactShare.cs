namespace AgentOperator.SampleAgent;

/// <summary>
/// Picks exactly round(rate × blockSize) members of every block of consecutive indexes, at positions
/// shuffled by the seed. Unlike an independent coin flip per run, a rate of 0.25 then means exactly 25 of
/// every 100 runs, so short canary windows see the configured rate and tests can assert it exactly.
/// </summary>
public sealed class ExactShare
{
    private readonly int _seed;
    private readonly int _blockSize;
    private readonly Dictionary<long, int[]> _ranks = [];
    private readonly Lock _lock = new();

    /// <summary>A share over blocks of <paramref name="blockSize"/> indexes; <paramref name="salt"/> makes shares of one seed independent.</summary>
    public ExactShare(int seed, int salt, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _seed = Mix(seed, salt);
        _blockSize = blockSize;
    }

    /// <summary>
    /// The rank (0 .. blockSize-1) of <paramref name="index"/> within its block: index i is among the first
    /// k picks when its rank is below k. Deterministic for the seed, salt and index.
    /// </summary>
    public int Rank(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var block = index / _blockSize;
        int[] ranks;
        lock (_lock)
        {
            if (!_ranks.TryGetValue(block, out ranks!))
            {
                ranks = [.. Enumerable.Range(0, _blockSize)];
                // Random(int) has a fixed algorithm for a given seed, so the order is stable across runs and machines.
                new Random(Mix(_seed, block)).Shuffle(ranks);
                _ranks[block] = ranks;
            }
        }

        return ranks[index % _blockSize];
    }

    // HashCode.Combine is seeded per process, so it cannot make a plan repeatable; this SplitMix64 step is.
    private static int Mix(long a, long b)
    {
        unchecked
        {
            var z = (ulong)a * 0x9E3779B97F4A7C15UL + (ulong)b;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (int)(z ^ (z >> 31));
        }
    }

    /// <summary>How many indexes of a block a rate picks.</summary>
    public int Count(double rate) => (int)Math.Round(rate * _blockSize, MidpointRounding.AwayFromZero);

    /// <summary>True when <paramref name="index"/> is among the <see cref="Count"/> picks of its block.</summary>
    public bool Picks(long index, double rate) => Rank(index) < Count(rate);
}
