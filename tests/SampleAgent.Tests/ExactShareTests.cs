namespace AgentOperator.SampleAgent.Tests;

public sealed class ExactShareTests
{
    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.07, 7)]
    [InlineData(0.5, 50)]
    [InlineData(1.0, 100)]
    public void Picks_exactly_the_rate_in_every_block(double rate, int perBlock)
    {
        var share = new ExactShare(seed: 5, salt: 1, blockSize: 100);

        for (var block = 0; block < 3; block++)
        {
            Assert.Equal(perBlock, Enumerable.Range(block * 100, 100).Count(i => share.Picks(i, rate)));
        }
    }

    [Fact]
    public void Rank_is_a_permutation_that_depends_on_seed_and_salt()
    {
        var ranks = Enumerable.Range(0, 100).Select(i => new ExactShare(5, 1, 100).Rank(i)).ToList();

        Assert.Equal(Enumerable.Range(0, 100), ranks.Order());
        Assert.NotEqual(ranks, Enumerable.Range(0, 100).Select(i => new ExactShare(6, 1, 100).Rank(i)));
        Assert.NotEqual(ranks, Enumerable.Range(0, 100).Select(i => new ExactShare(5, 2, 100).Rank(i)));
        Assert.Equal(ranks, Enumerable.Range(0, 100).Select(i => new ExactShare(5, 1, 100).Rank(i)));
    }

    [Fact]
    public void Rank_is_the_same_in_every_process()
    {
        // Pinned values: a per-process hash seed (HashCode) would change them from one test run to the next.
        var share = new ExactShare(seed: 5, salt: 1, blockSize: 100);

        Assert.Equal("4,15,11,17,13,50,31,65,45,47", string.Join(",", Enumerable.Range(0, 10).Select(i => share.Rank(i))));
    }
}
